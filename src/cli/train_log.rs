//! Training progress for people: the terminal's progress bar and the `--log` file's lines.
//!
//! Each log line starts with the UTC time, so that a run left in the background can be timed
//! and followed with `tail -f` (e.g. `2026-12-05 11:40:02Z epoch 3 batch 17: loss 0.2724`).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};

use advlens::train::TrainEvent;

/// A progress bar on the terminal and, optionally, lines in a log file. `metric` names the
/// validation figure of an epoch (e.g. "val accuracy").
pub(super) fn progress_reporter(
    log: Option<std::fs::File>,
    metric: &'static str,
) -> (ProgressBar, impl FnMut(TrainEvent)) {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "epoch {msg} [{bar:30}] {pos}/{len} batches, {per_sec}, eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let handle = bar.clone();
    let mut log = log;
    let on_event = move |event: TrainEvent| {
        match &event {
            TrainEvent::Started { epoch, batches } => {
                handle.set_length(*batches as u64);
                handle.set_message(epoch.to_string());
            }
            TrainEvent::Batch { epoch, batch, .. } => {
                handle.set_message(epoch.to_string());
                handle.set_position(*batch as u64);
            }
            TrainEvent::Epoch { .. } => {
                handle.println(event_text(&event, metric));
                handle.set_position(0);
            }
        }
        if let Some(file) = log.as_mut() {
            // The log is a convenience beside the terminal's progress bar and the checkpoints;
            // a full disk must not stop training, so a failed line is skipped.
            let line = format!(
                "{} {}",
                utc_timestamp(SystemTime::now()),
                event_text(&event, metric)
            );
            writeln!(file, "{line}").ok();
        }
    };
    (bar, on_event)
}

/// One event in words, without the time.
fn event_text(event: &TrainEvent, metric: &str) -> String {
    match event {
        TrainEvent::Started { epoch, batches } => {
            format!("epoch {epoch} started: {batches} batches")
        }
        TrainEvent::Batch { epoch, batch, loss } => {
            format!("epoch {epoch} batch {batch}: loss {loss:.4}")
        }
        TrainEvent::Epoch {
            epoch,
            train_loss,
            val_accuracy,
            seconds,
        } => format!(
            "epoch {epoch}: train loss {train_loss:.4}, {metric} {:.2}%, {seconds:.0} s",
            100.0 * val_accuracy
        ),
    }
}

/// `time` as `YYYY-MM-DD hh:mm:ssZ` in UTC (times before 1970 print as 1970-01-01 00:00:00Z).
fn utc_timestamp(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (the inverse of counting days through
/// 400-year eras of 146,097 days, whose years run March to February so that the leap day ends
/// them).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64) -> String {
        utc_timestamp(UNIX_EPOCH + Duration::from_secs(seconds))
    }

    #[test]
    fn timestamps_match_known_dates() {
        assert_eq!(at(0), "1970-01-01 00:00:00Z");
        // 2000-02-29 (a leap day of a year divisible by 400) and the day after it.
        assert_eq!(at(951_782_400), "2000-02-29 00:00:00Z");
        assert_eq!(at(951_868_799), "2000-02-29 23:59:59Z");
        assert_eq!(at(951_868_800), "2000-03-01 00:00:00Z");
        // 2100 is not a leap year: 28 February is followed by 1 March.
        assert_eq!(at(4_107_456_000), "2100-02-28 00:00:00Z");
        assert_eq!(at(4_107_542_400), "2100-03-01 00:00:00Z");
        assert_eq!(at(1_796_471_825), "2026-12-05 11:57:05Z");
        assert_eq!(at(1_798_761_599), "2026-12-31 23:59:59Z");
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // Walk 600 years day by day: the date must advance by exactly one calendar day.
        let mut previous = civil_date(0);
        for days in 1..(600 * 366) {
            let next = civil_date(days);
            let (y, m, d) = previous;
            let month_days = match m {
                2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let expected = if d < month_days {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!(next, expected, "after {previous:?}");
            previous = next;
        }
    }

    #[test]
    fn log_lines_read_as_words() {
        let batch = TrainEvent::Batch {
            epoch: 3,
            batch: 17,
            loss: 0.272_37,
        };
        assert_eq!(
            event_text(&batch, "val accuracy"),
            "epoch 3 batch 17: loss 0.2724"
        );
        let epoch = TrainEvent::Epoch {
            epoch: 3,
            train_loss: 0.25,
            val_accuracy: 0.9125,
            seconds: 181.6,
        };
        assert_eq!(
            event_text(&epoch, "val Dice"),
            "epoch 3: train loss 0.2500, val Dice 91.25%, 182 s"
        );
        let started = TrainEvent::Started {
            epoch: 1,
            batches: 146,
        };
        assert_eq!(event_text(&started, "x"), "epoch 1 started: 146 batches");
    }
}
