//! The report's sections after the charts: the settings, the robustness table, the
//! confusion matrices with per-class scores, and the gallery of the most fragile scans.

use super::{
    FRAGILE_SHOWN, confusion_chart, escape, image_tag, public_source, push, scan_thumbnails,
};
use crate::attacks::format_epsilon;
use crate::eval::{ConfusionMatrix, ScanEvaluation};
use crate::export::ExportError;
use crate::export::png::rgb_png_bytes;

pub(super) fn settings_section(page: &mut String, first: &ScanEvaluation, all: &[ScanEvaluation]) {
    page.push_str("<section id=\"settings\"><h2>Settings</h2><table>");
    let rows = [
        (
            "models",
            all.iter()
                .map(|e| e.model.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "scans",
            format!(
                "{} of {} from {}{}",
                first.done(),
                first.planned,
                public_source(&first.source),
                if first.finished {
                    ""
                } else {
                    " (cancelled before the end)"
                }
            ),
        ),
        (
            "attacks",
            first
                .attacks
                .iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "ε",
            first
                .epsilons
                .iter()
                .map(|e| format_epsilon(*e))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("setting", first.table().setting()),
        (
            "seed",
            first
                .attacks
                .first()
                .map_or(0, |a| a.config.seed)
                .to_string(),
        ),
        (
            "time",
            format!("{:.1} s on {}", first.seconds, first.device),
        ),
    ];
    for (name, value) in rows {
        push(
            page,
            format_args!("<tr><th>{name}</th><td>{}</td></tr>", escape(&value)),
        );
    }
    page.push_str("</table></section>\n");
}

pub(super) fn table_section(page: &mut String, evaluation: &ScanEvaluation) {
    let table = evaluation.table();
    push(
        page,
        format_args!(
            "<h3>{} — {}</h3><table><tr><th>attack</th>",
            escape(&table.model),
            escape(&table.setting())
        ),
    );
    for epsilon in &table.epsilons {
        push(
            page,
            format_args!("<th>ε = {}</th>", format_epsilon(*epsilon)),
        );
    }
    page.push_str("</tr>");
    for row in &table.rows {
        push(page, format_args!("<tr><td>{}</td>", escape(&row.attack)));
        for accuracy in &row.accuracy {
            push(page, format_args!("<td>{:.1}</td>", 100.0 * accuracy));
        }
        page.push_str("</tr>");
    }
    push(
        page,
        format_args!(
            "</table><p class=\"note\">Accuracy (%) on {} scans.</p>",
            table.images
        ),
    );
}

pub(super) fn confusion_section(
    page: &mut String,
    evaluation: &ScanEvaluation,
    attack: usize,
    epsilon: usize,
) -> Result<(), ExportError> {
    let clean = evaluation.clean_confusion();
    let attacked = evaluation.attacked_confusion(attack, epsilon);
    let title = format!(
        "{} under {} at ε = {}",
        evaluation.model,
        evaluation.attacks[attack].name,
        format_epsilon(evaluation.epsilons[epsilon])
    );
    push(
        page,
        format_args!(
            "<h3>{}</h3>{}{}",
            escape(&evaluation.model),
            image_tag(
                &confusion_chart(
                    &clean,
                    &evaluation.classes,
                    &format!("{} — clean", evaluation.model)
                )?,
                "clean confusion matrix",
                "chart"
            ),
            image_tag(
                &confusion_chart(&attacked, &evaluation.classes, &title)?,
                "adversarial confusion matrix",
                "chart"
            )
        ),
    );
    scores_table(page, &evaluation.classes, &clean, &attacked);
    Ok(())
}

fn scores_table(
    page: &mut String,
    classes: &[String],
    clean: &ConfusionMatrix,
    attacked: &ConfusionMatrix,
) {
    page.push_str(
        "<table><tr><th>class</th><th>scans</th><th>precision</th><th>recall</th><th>F1</th>\
         <th>precision (attacked)</th><th>recall (attacked)</th><th>F1 (attacked)</th></tr>",
    );
    let cell = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1}", 100.0 * v));
    for (class, name) in classes.iter().enumerate() {
        let (c, a) = (clean.scores(class), attacked.scores(class));
        push(
            page,
            format_args!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(name),
                c.support,
                cell(c.precision),
                cell(c.recall),
                cell(c.f1),
                cell(a.precision),
                cell(a.recall),
                cell(a.f1)
            ),
        );
    }
    page.push_str("</table>");
}

pub(super) fn fragile_section(
    page: &mut String,
    evaluation: &ScanEvaluation,
    attack: usize,
) -> Result<(), ExportError> {
    let fragile = evaluation.most_fragile(attack);
    push(
        page,
        format_args!(
            "<section id=\"fragile\"><h2>The {} most fragile scans</h2><p class=\"note\">{} of {} scans \
             flipped under {}; sorted by flipping ε, then by the fall in the true class's \
             probability. Each shows the scan, the perturbation (amplified to its largest change) \
             and the adversarial scan.</p><div class=\"gallery\">",
            FRAGILE_SHOWN.min(fragile.len()),
            fragile.len(),
            evaluation.done(),
            escape(&evaluation.attacks[attack].name)
        ),
    );
    for (record, flip) in fragile.into_iter().take(FRAGILE_SHOWN) {
        let position = evaluation
            .records
            .iter()
            .position(|r| r.index == record.index)
            .unwrap_or(0);
        let pictures = scan_thumbnails(evaluation, position, record, attack);
        let [w, h] = pictures.size;
        let mut tags = image_tag(
            &rgb_png_bytes(w as u32, h as u32, pictures.original.clone())?,
            "original",
            "thumb",
        );
        for (picture, alt) in [
            (&pictures.perturbation, "perturbation"),
            (&pictures.adversarial, "adversarial"),
        ] {
            if let Some(rgb) = picture {
                tags.push_str(&image_tag(
                    &rgb_png_bytes(w as u32, h as u32, rgb.clone())?,
                    alt,
                    "thumb",
                ));
            }
        }
        let adversarial = record.attacks[attack].at_flip.as_ref();
        let predicted = adversarial
            .and_then(|e| e.judgement.predicted)
            .and_then(|c| evaluation.classes.get(c))
            .map_or("no class (abstained)", String::as_str);
        push(
            page,
            format_args!(
                "<div class=\"scan\">{tags}<br>scan #{} · true {} → {} at ε = {} · P(true) {:.2} → {:.2} · largest change {:.2}/255</div>",
                record.index + 1,
                escape(&evaluation.classes[record.label]),
                escape(predicted),
                format_epsilon(flip),
                record.clean.probability_of(record.label),
                adversarial.map_or(0.0, |e| e.judgement.probability_of(record.label)),
                pictures.largest_change * 255.0
            ),
        );
    }
    page.push_str("</div></section>\n");
    Ok(())
}
