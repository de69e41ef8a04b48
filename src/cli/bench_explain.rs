//! `advlens bench --explanations`: the time one map takes for every explanation method, per
//! shipped model (one 128×128 image, the methods' default parameters; the map is read back to
//! the host, so the time includes the device's work).

use advlens::device::ComputeDevice;
use advlens::explain::{ExplainConfig, ExplainMethod, explain};
use advlens::imaging::{Scan, model_input_from_scan};
use advlens::models::load_shipped;

use super::bench_cmd::{BenchArgs, median_ms, selected_models};

/// Prints the table of map times.
pub fn bench_explanations(
    args: &BenchArgs,
    device: &ComputeDevice,
    scan: &Scan,
) -> anyhow::Result<()> {
    println!();
    println!(
        "Explanations, one 128×128 image, median of {} runs after one warm-up, ms per map (SmoothGrad {} copies, Integrated Gradients {} steps)",
        args.runs,
        ExplainConfig::default().samples,
        ExplainConfig::default().steps
    );
    println!();
    let header: Vec<&str> = ExplainMethod::ALL.iter().map(|m| m.label()).collect();
    println!("| model | {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(header.len()));
    for shipped in selected_models(args)? {
        let model = load_shipped(&shipped.name, &device.device)?;
        let input = model_input_from_scan(scan, model.card.spec.input_size, &device.device);
        let mut cells = Vec::with_capacity(header.len());
        for method in ExplainMethod::ALL {
            let config = ExplainConfig::new(method);
            let time = median_ms(args.runs, || {
                let map = explain(&model.models, &input, 0, &config)?;
                map.into_data();
                Ok(())
            })?;
            cells.push(format!("{time:.1}"));
        }
        println!("| {} | {} |", shipped.name, cells.join(" | "));
    }
    Ok(())
}
