//! Models loaded once per run and kept: the first request for a run pays for reading its
//! weights, every later one reuses them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use burn::prelude::*;
use mnist_model::{Dataset, Mlp, MlpConfig, load_model};

use crate::error::ApiError;
use crate::runs::Run;

/// A run's model, ready to classify.
#[derive(Debug)]
pub struct LoadedModel {
    /// The network.
    pub model: Mlp,
    /// Its architecture.
    pub config: MlpConfig,
    /// The dataset it was trained on, which names its classes.
    pub dataset: Dataset,
}

/// The models loaded so far, by run name and model file time.
#[derive(Debug, Default)]
pub struct ModelCache {
    loaded: Mutex<HashMap<(String, u64), Arc<LoadedModel>>>,
}

impl ModelCache {
    /// `run`'s model on `device`, loaded from disk the first time. Blocking: call it from a
    /// blocking task.
    pub fn get(&self, run: &Run, device: &Device) -> Result<Arc<LoadedModel>, ApiError> {
        let key = (run.info.name.clone(), run.info.model_modified);
        // Held while loading: two first requests for one run load it once.
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(model) = loaded.get(&key) {
            return Ok(Arc::clone(model));
        }
        let (model, config) = load_model(&run.dir, device)
            .map_err(|e| ApiError::internal(format!("cannot load run `{}`: {e}", run.info.name)))?;
        let model = Arc::new(LoadedModel {
            model,
            config,
            dataset: run.info.dataset,
        });
        // A retrained run replaces its older model rather than keeping both.
        loaded.retain(|(name, _), _| name != &run.info.name);
        loaded.insert(key, Arc::clone(&model));
        Ok(model)
    }
}
