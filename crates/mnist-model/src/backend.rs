//! Which compute backend runs the model: chosen at build time by cargo features, picked at run
//! time by name. Shared by `train` and `infer` so both agree on names, defaults and errors.

use std::fmt;
use std::str::FromStr;

use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A backend this project knows; whether it is usable depends on the compiled features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Burn's NdArray CPU backend (feature `ndarray`).
    Ndarray,
    /// Burn's Flex CPU backend, pure Rust (feature `flex`): the default CPU backend, faster
    /// than NdArray for these models (BENCHMARKS.md).
    Flex,
    /// GPU through wgpu: Vulkan, Metal, DirectX or WebGPU (feature `wgpu`).
    Wgpu,
    /// NVIDIA GPUs through CUDA (feature `cuda`).
    Cuda,
}

/// A backend that cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BackendError {
    /// The name is not a backend.
    #[error("unknown backend `{0}`: expected one of ndarray, flex, wgpu, cuda")]
    Unknown(String),
    /// The backend exists but this binary was built without it.
    #[error(
        "backend `{backend}` is not compiled into this binary (compiled: {compiled}); rebuild with `--features {backend}`, e.g. `cargo run --release --features {backend} --bin train -- ...`"
    )]
    NotCompiled {
        /// The backend asked for.
        backend: Backend,
        /// The backends that are compiled in.
        compiled: String,
    },
    /// No backend feature at all.
    #[error("no backend is compiled in: build with one of the features ndarray, flex, wgpu, cuda")]
    NoneCompiled,
}

impl Backend {
    /// Every backend, GPUs first: the order in which the default is chosen.
    pub const ALL: [Backend; 4] = [
        Backend::Cuda,
        Backend::Wgpu,
        Backend::Flex,
        Backend::Ndarray,
    ];

    /// The lower-case name used on the command line and in configs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ndarray => "ndarray",
            Backend::Flex => "flex",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        }
    }

    /// Whether this binary was built with the backend's feature.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Flex => cfg!(feature = "flex"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Whether the backend runs on a GPU.
    pub fn is_gpu(self) -> bool {
        matches!(self, Backend::Wgpu | Backend::Cuda)
    }

    /// The compiled backends, GPUs first.
    pub fn compiled() -> Vec<Backend> {
        Self::ALL.into_iter().filter(|b| b.is_compiled()).collect()
    }

    /// The default: a compiled GPU backend if any, else the compiled CPU backend
    /// (flex before ndarray).
    pub fn default_compiled() -> Result<Backend, BackendError> {
        Self::compiled()
            .first()
            .copied()
            .ok_or(BackendError::NoneCompiled)
    }

    /// Resolves an optional name (from `--backend` or a config) to a usable backend.
    pub fn select(name: Option<&str>) -> Result<Backend, BackendError> {
        match name {
            None => Self::default_compiled(),
            Some(name) => {
                let backend: Backend = name.parse()?;
                backend.ensure_compiled()?;
                Ok(backend)
            }
        }
    }

    /// An error naming the feature to enable when the backend is not compiled in.
    pub fn ensure_compiled(self) -> Result<(), BackendError> {
        if self.is_compiled() {
            return Ok(());
        }
        let compiled: Vec<&str> = Self::compiled().iter().map(|b| b.name()).collect();
        Err(BackendError::NotCompiled {
            backend: self,
            compiled: if compiled.is_empty() {
                "none".into()
            } else {
                compiled.join(", ")
            },
        })
    }

    /// The device (first GPU, or the CPU) of this backend.
    pub fn device(self) -> Result<Device, BackendError> {
        self.ensure_compiled()?;
        Ok(match self {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            // Burn 0.22 deprecates this constructor in favour of Flex; NdArray stays
            // selectable for comparison and for its well-known behaviour.
            Backend::Ndarray => Device::ndarray(),
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
            #[cfg(feature = "cuda")]
            Backend::Cuda => Device::cuda(0),
            #[allow(unreachable_patterns)]
            other => unreachable!("ensure_compiled accepted {other}"),
        })
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for Backend {
    type Err = BackendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| BackendError::Unknown(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for backend in Backend::ALL {
            assert_eq!(backend.name().parse::<Backend>(), Ok(backend));
        }
        assert_eq!(
            "tpu".parse::<Backend>(),
            Err(BackendError::Unknown("tpu".into()))
        );
    }

    #[test]
    fn default_prefers_gpus_and_is_compiled() {
        let default = Backend::default_compiled().expect("a backend is compiled in tests");
        assert!(default.is_compiled());
        if Backend::compiled().iter().any(|b| b.is_gpu()) {
            assert!(default.is_gpu());
        }
        assert!(default.device().is_ok());
    }

    #[test]
    fn a_missing_backend_names_the_feature() {
        if let Some(missing) = Backend::ALL.into_iter().find(|b| !b.is_compiled()) {
            let message = Backend::select(Some(missing.name()))
                .expect_err("not compiled")
                .to_string();
            assert!(
                message.contains(&format!("--features {}", missing.name())),
                "{message}"
            );
        }
    }
}
