//! The graphics adapters wgpu finds, why `auto` may fall back to the CPU, and a one-line text
//! form of an adapter so that a child process can do the listing (see the CLI's quiet probe:
//! without a usable `XDG_RUNTIME_DIR`, the Wayland client library prints a line starting with
//! "error:" while wgpu enumerates, although nothing failed).

use std::fmt;

use burn::tensor::wgpu::wgpu;

/// A graphics adapter as wgpu reports it.
#[derive(Debug, Clone)]
pub struct AdapterSummary {
    /// The adapter's name, e.g. "NVIDIA H100" or "llvmpipe (LLVM 15.0.6, 256 bits)".
    pub name: String,
    /// Discrete, integrated, virtual, CPU or other.
    pub device_type: wgpu::DeviceType,
    /// Vulkan, Metal, DX12, GL…
    pub backend: wgpu::Backend,
}

impl AdapterSummary {
    /// Whether the adapter is a real GPU (not a CPU rasteriser such as lavapipe).
    #[must_use]
    pub fn is_real_gpu(&self) -> bool {
        matches!(
            self.device_type,
            wgpu::DeviceType::DiscreteGpu
                | wgpu::DeviceType::IntegratedGpu
                | wgpu::DeviceType::VirtualGpu
        )
    }

    /// One line: device type, backend and name, separated by tabs.
    #[must_use]
    pub fn to_line(&self) -> String {
        let name = self.name.replace(['\t', '\n'], " ");
        format!(
            "{}\t{}\t{name}",
            name_in(&DEVICE_TYPES, &self.device_type).unwrap_or("other"),
            name_in(&BACKENDS, &self.backend).unwrap_or("noop")
        )
    }

    /// Reads [`Self::to_line`] back; `None` for anything else.
    #[must_use]
    pub fn from_line(line: &str) -> Option<Self> {
        let mut fields = line.splitn(3, '\t');
        let device_type = value_in(&DEVICE_TYPES, fields.next()?)?;
        let backend = value_in(&BACKENDS, fields.next()?)?;
        Some(Self {
            name: fields.next()?.to_string(),
            device_type,
            backend,
        })
    }
}

const DEVICE_TYPES: [(wgpu::DeviceType, &str); 5] = [
    (wgpu::DeviceType::Other, "other"),
    (wgpu::DeviceType::IntegratedGpu, "integrated"),
    (wgpu::DeviceType::DiscreteGpu, "discrete"),
    (wgpu::DeviceType::VirtualGpu, "virtual"),
    (wgpu::DeviceType::Cpu, "cpu"),
];

const BACKENDS: [(wgpu::Backend, &str); 6] = [
    (wgpu::Backend::Noop, "noop"),
    (wgpu::Backend::Vulkan, "vulkan"),
    (wgpu::Backend::Metal, "metal"),
    (wgpu::Backend::Dx12, "dx12"),
    (wgpu::Backend::Gl, "gl"),
    (wgpu::Backend::BrowserWebGpu, "webgpu"),
];

/// The name of `value` in a table of (value, name) pairs.
fn name_in<T: PartialEq>(table: &[(T, &'static str)], value: &T) -> Option<&'static str> {
    table
        .iter()
        .find(|(v, _)| v == value)
        .map(|(_, name)| *name)
}

/// The value named `name` in a table of (value, name) pairs.
fn value_in<T: Copy>(table: &[(T, &'static str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
}

/// Lists the wgpu adapters on this machine (cheap: no device is opened).
#[must_use]
pub fn list_adapters() -> Vec<AdapterSummary> {
    let instance = wgpu::Instance::default();
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        .into_iter()
        .map(|adapter| {
            let info = adapter.get_info();
            AdapterSummary {
                name: info.name,
                device_type: info.device_type,
                backend: info.backend,
            }
        })
        .collect()
}

/// Whether `XDG_RUNTIME_DIR` names an existing absolute folder, as the Wayland client library
/// (reached through Mesa while wgpu lists adapters) requires before it stays quiet.
#[must_use]
pub fn runtime_dir_is_usable() -> bool {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .is_some_and(|dir| dir.is_absolute() && dir.is_dir())
}

/// Why `auto` runs on the CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuFallback {
    /// wgpu found no adapter at all.
    NoAdapter,
    /// Only software renderers (such as lavapipe), which are slower than the CPU backend.
    SoftwareOnly(String),
    /// A GPU was found but did not start.
    GpuFailed(String),
}

impl CpuFallback {
    /// The reason, given adapters among which none is a real GPU.
    #[must_use]
    pub fn of(adapters: &[AdapterSummary]) -> Self {
        if adapters.is_empty() {
            Self::NoAdapter
        } else {
            let mut names: Vec<&str> = Vec::new();
            for adapter in adapters {
                if !names.contains(&adapter.name.as_str()) {
                    names.push(&adapter.name);
                }
            }
            Self::SoftwareOnly(names.join(", "))
        }
    }
}

impl fmt::Display for CpuFallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAdapter => f.write_str("no GPU found"),
            Self::SoftwareOnly(names) => write!(
                f,
                "no GPU found, only software rendering ({names}), which is slower than the CPU backend"
            ),
            Self::GpuFailed(reason) => write!(f, "the GPU did not start ({reason})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adapter_line_reads_back() {
        let adapter = AdapterSummary {
            name: "llvmpipe (LLVM 15.0.6, 256 bits)".to_string(),
            device_type: wgpu::DeviceType::Cpu,
            backend: wgpu::Backend::Vulkan,
        };
        let back = AdapterSummary::from_line(&adapter.to_line()).unwrap();
        assert_eq!(back.name, adapter.name);
        assert_eq!(back.device_type, adapter.device_type);
        assert_eq!(back.backend, adapter.backend);
        assert!(AdapterSummary::from_line("error: something").is_none());
    }

    #[test]
    fn the_fallback_says_why() {
        assert_eq!(CpuFallback::of(&[]).to_string(), "no GPU found");
        let software = AdapterSummary {
            name: "llvmpipe".to_string(),
            device_type: wgpu::DeviceType::Cpu,
            backend: wgpu::Backend::Vulkan,
        };
        let text = CpuFallback::of(&[software]).to_string();
        assert!(text.contains("llvmpipe") && !text.to_lowercase().contains("error"));
    }
}
