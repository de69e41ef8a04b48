//! Picks the compute device for all tensor work: a real GPU through Burn's wgpu backend, or
//! Burn's Flex CPU backend when there is none (software Vulkan is slower than Flex by 6–20×).
//!
//! This is the one place that decides; everything else receives a [`ComputeDevice`].

use std::fmt;
use std::str::FromStr;

use burn::cubecl::config::cache::CacheConfig;
use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};
use burn::tensor::wgpu::{WgpuSetup, wgpu};
use burn::tensor::{Device, DeviceKind};
use serde::{Deserialize, Serialize};

mod adapters;

pub use adapters::{AdapterSummary, CpuFallback, list_adapters, runtime_dir_is_usable};

/// Which device the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DevicePreference {
    /// A real GPU when one exists, else the CPU.
    #[default]
    Auto,
    /// The wgpu backend, even on a CPU-type adapter such as software Vulkan.
    Gpu,
    /// Burn's Flex CPU backend.
    Cpu,
}

impl DevicePreference {
    /// Every preference, in the order a menu shows them.
    pub const ALL: [Self; 3] = [Self::Auto, Self::Gpu, Self::Cpu];
}

impl fmt::Display for DevicePreference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Gpu => "gpu",
            Self::Cpu => "cpu",
        })
    }
}

impl FromStr for DevicePreference {
    type Err = DeviceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "gpu" | "wgpu" => Ok(Self::Gpu),
            "cpu" | "flex" => Ok(Self::Cpu),
            other => Err(DeviceError::UnknownPreference(other.to_string())),
        }
    }
}

/// The backend a [`ComputeDevice`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Burn's wgpu backend.
    Wgpu,
    /// Burn's Flex CPU backend.
    Flex,
}

/// Errors from choosing or starting a device.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The preference text is not one of `auto`, `gpu`, `cpu`.
    #[error("unknown device '{0}': expected auto, gpu or cpu")]
    UnknownPreference(String),
    /// `gpu` was asked for but no wgpu adapter exists.
    #[error("no GPU adapter found (not even software Vulkan); use --device cpu")]
    NoAdapter,
    /// wgpu failed to start.
    #[error("could not start the wgpu device: {0}")]
    WgpuInit(String),
}

/// The device all tensor work runs on, with a human description for reports.
#[derive(Debug, Clone)]
pub struct ComputeDevice {
    /// The Burn device (never an autodiff one; call `.autodiff()` where gradients are needed).
    pub device: Device,
    /// The backend in use.
    pub backend: BackendKind,
    /// e.g. "GPU: NVIDIA H100 (Vulkan)", "software Vulkan: llvmpipe", "CPU (Burn Flex)".
    pub description: String,
}

impl ComputeDevice {
    /// The Flex CPU device. Always available.
    #[must_use]
    pub fn cpu() -> Self {
        Self {
            device: Device::flex(),
            backend: BackendKind::Flex,
            description: "CPU (Burn Flex)".to_string(),
        }
    }

    /// Whether this device runs on the wgpu backend.
    #[must_use]
    pub fn is_wgpu(&self) -> bool {
        self.backend == BackendKind::Wgpu
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

/// Chooses and starts the compute device for a preference.
///
/// `Auto` takes a real GPU when one exists and the Flex CPU backend otherwise; `Gpu` also
/// accepts a CPU-type adapter (software Vulkan), which is how tests exercise the wgpu path.
///
/// # Errors
/// [`DeviceError::NoAdapter`] when `Gpu` is asked for and no adapter exists, or
/// [`DeviceError::WgpuInit`] when wgpu fails to start.
pub fn select_device(preference: DevicePreference) -> Result<ComputeDevice, DeviceError> {
    if preference == DevicePreference::Cpu {
        return Ok(ComputeDevice::cpu());
    }
    choose_device(preference, &list_adapters()).map(|(device, _)| device)
}

/// As [`select_device`], from adapters already listed, and saying why `Auto` fell back to the
/// CPU (no adapter, only a software renderer, or a GPU that failed to start), so that the
/// caller can report it once, as a notice.
///
/// # Errors
/// As [`select_device`]; `Auto` never fails.
pub fn choose_device(
    preference: DevicePreference,
    adapters: &[AdapterSummary],
) -> Result<(ComputeDevice, Option<CpuFallback>), DeviceError> {
    if preference == DevicePreference::Cpu {
        return Ok((ComputeDevice::cpu(), None));
    }
    let chosen = adapters
        .iter()
        .find(|adapter| adapter.is_real_gpu())
        .or_else(|| {
            (preference == DevicePreference::Gpu)
                .then(|| {
                    adapters
                        .iter()
                        .find(|a| a.device_type == wgpu::DeviceType::Cpu)
                })
                .flatten()
        });
    match (chosen, preference) {
        (Some(adapter), DevicePreference::Auto) => match start_wgpu(adapter) {
            Ok(device) => Ok((device, None)),
            Err(err) => Ok((
                ComputeDevice::cpu(),
                Some(CpuFallback::GpuFailed(err.to_string())),
            )),
        },
        (Some(adapter), _) => start_wgpu(adapter).map(|device| (device, None)),
        (None, DevicePreference::Gpu) => Err(DeviceError::NoAdapter),
        (None, _) => Ok((ComputeDevice::cpu(), Some(CpuFallback::of(adapters)))),
    }
}

/// Like [`choose_device`], but when the choice is a real GPU also returns the wgpu handles
/// Burn uses, so that a window can render on the very same device (one device for the UI and
/// the tensors). `None` for the CPU backend and for software Vulkan. As there, `Auto` falls
/// back to the CPU, saying why, when the GPU does not start.
///
/// # Errors
/// As [`select_device`].
pub fn select_device_shared(
    preference: DevicePreference,
    adapters: &[AdapterSummary],
) -> Result<(ComputeDevice, Option<WgpuSetup>, Option<CpuFallback>), DeviceError> {
    if preference == DevicePreference::Cpu {
        return Ok((ComputeDevice::cpu(), None, None));
    }
    match adapters.iter().find(|adapter| adapter.is_real_gpu()) {
        // A driver may panic instead of failing: that is a GPU that did not start too.
        Some(adapter) => match std::panic::catch_unwind(|| start_shared(adapter))
            .unwrap_or_else(|_| Err(DeviceError::WgpuInit("the GPU driver crashed".to_string())))
        {
            Ok((device, setup)) => Ok((device, Some(setup), None)),
            Err(err) if preference == DevicePreference::Auto => Ok((
                ComputeDevice::cpu(),
                None,
                Some(CpuFallback::GpuFailed(err.to_string())),
            )),
            Err(err) => Err(err),
        },
        None => choose_device(preference, adapters).map(|(device, why)| (device, None, why)),
    }
}

fn start_shared(adapter: &AdapterSummary) -> Result<(ComputeDevice, WgpuSetup), DeviceError> {
    refuse_when_fault_injected()?;
    use_user_cache_directory();
    let (device, setup) = Device::wgpu_options()
        .device_kind(device_kind_of(adapter))
        .init_with_setup()
        .map_err(|err| DeviceError::WgpuInit(err.to_string()))?;
    Ok((wgpu_compute_device(device, adapter), setup))
}

/// The reliability tests' stand-in for a driver that refuses the adapter.
fn refuse_when_fault_injected() -> Result<(), DeviceError> {
    if crate::fault::fails(crate::fault::FaultStage::GpuStart) {
        return Err(DeviceError::WgpuInit(
            "the adapter refused to start (a fault injected by the reliability tests)".to_string(),
        ));
    }
    Ok(())
}

fn device_kind_of(adapter: &AdapterSummary) -> DeviceKind {
    match adapter.device_type {
        wgpu::DeviceType::DiscreteGpu => DeviceKind::DiscreteGpu(0),
        wgpu::DeviceType::IntegratedGpu => DeviceKind::IntegratedGpu(0),
        wgpu::DeviceType::VirtualGpu => DeviceKind::VirtualGpu(0),
        _ => DeviceKind::Cpu,
    }
}

fn wgpu_compute_device(device: Device, adapter: &AdapterSummary) -> ComputeDevice {
    let description = if adapter.is_real_gpu() {
        format!("GPU: {} ({:?})", adapter.name, adapter.backend)
    } else {
        format!("software Vulkan: {}", adapter.name)
    };
    ComputeDevice {
        device,
        backend: BackendKind::Wgpu,
        description,
    }
}

fn start_wgpu(adapter: &AdapterSummary) -> Result<ComputeDevice, DeviceError> {
    refuse_when_fault_injected()?;
    use_user_cache_directory();
    let device = Device::wgpu_options()
        .device_kind(device_kind_of(adapter))
        .init()
        .map_err(|err| DeviceError::WgpuInit(err.to_string()))?;
    Ok(wgpu_compute_device(device, adapter))
}

/// Where the GPU kernels' autotune and compilation caches go: the platform's per-user cache
/// folder (`~/.cache/advlens/cubecl` on Linux), never beside the program.
#[must_use]
pub fn kernel_cache_dir() -> Option<std::path::PathBuf> {
    dirs::cache_dir().map(|base| base.join("advlens").join("cubecl"))
}

/// Points `CubeCL`'s autotune and kernel caches at a per-user cache directory instead of the
/// working tree. Has no effect if the configuration was already set or read.
fn use_user_cache_directory() {
    let Some(folder) = kernel_cache_dir() else {
        return;
    };
    let mut config = CubeClRuntimeConfig::default();
    config.environment.path = CacheConfig::Directory(folder);
    let _already_configured = !CubeClRuntimeConfig::try_set(config);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_parse_and_print_back() {
        for preference in DevicePreference::ALL {
            let parsed: DevicePreference = preference.to_string().parse().unwrap();
            assert_eq!(parsed, preference);
        }
        assert!("tpu".parse::<DevicePreference>().is_err());
    }

    #[test]
    fn cpu_preference_gives_flex() {
        let device = select_device(DevicePreference::Cpu).unwrap();
        assert_eq!(device.backend, BackendKind::Flex);
        assert!(device.description.contains("CPU"));
    }
}
