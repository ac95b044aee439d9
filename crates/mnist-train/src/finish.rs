//! Step three of a run: the final model (last or best epoch) saved, the test set scored
//! once, `summary.json` and `curves.png` written, and the closing lines printed.

use std::time::Instant;

use anyhow::Context;
use mnist_model::{Mlp, save_model};

use crate::checkpoint;
use crate::config::FinalModel;
use crate::host::Host;
use crate::int8;
use crate::kernel_counts::PerStep;
use crate::metrics::EpochRecord;
use crate::plan::Plan;
use crate::plot;
use crate::progress::say;
use crate::report;
use crate::run_dir::{CHECKPOINT_DIR, CURVES_FILE, SUMMARY_FILE};

/// How the training passes went.
pub struct Ran<'a> {
    /// Every epoch's record.
    pub records: &'a [EpochRecord],
    /// The kernel work per step of the passes after the first.
    pub steady_state: Option<PerStep>,
    /// When the process began.
    pub started: Instant,
    /// The machine.
    pub host: Host,
}

/// Saves and reports the trained `model`.
pub fn finish(plan: &Plan, model: Mlp, ran: Ran<'_>) -> anyhow::Result<()> {
    let Ran {
        records,
        steady_state,
        started,
        host,
    } = ran;
    let Plan {
        config,
        run,
        device,
        ..
    } = plan;
    let (model, final_epoch) = final_model(plan, records, model)?;
    let dataset = config.data.dataset;
    let model_path = save_model(&model, &config.model, dataset, &run.path)?;
    // The test set is touched once, here, after model selection on validation.
    let test = report::evaluate(&model, &plan.splits.test, device);
    say!("{}", test.report(dataset));
    let int8 = int8::write_copy(&run.path, dataset, &plan.splits.train, &plan.splits.test)
        .context("writing the int8 copy")?;
    let f32_bytes =
        std::fs::metadata(run.file(mnist_model::SAFETENSORS_FILE)).map_or(0, |m| m.len());
    say!(
        "int8 copy: {} ({:.0} KB, {:.1} x smaller than the f32 weights), test accuracy {:.2}%",
        int8.path.display(),
        int8.bytes as f64 / 1024.0,
        f32_bytes as f64 / int8.bytes.max(1) as f64,
        int8.test_accuracy
    );
    let outputs = report::Outputs {
        test: &test,
        final_epoch,
        int8: &int8,
        steady_state,
    };
    let summary = report::summary(
        config,
        plan.backend,
        records,
        outputs,
        started.elapsed().as_secs_f64(),
        host,
    );
    report::write_summary(&summary, &run.file(SUMMARY_FILE))
        .with_context(|| format!("writing {SUMMARY_FILE}"))?;
    if let Err(e) = plot::draw_curves(records, &run.file(CURVES_FILE)) {
        eprintln!("warning: {CURVES_FILE} not drawn: {e}");
    }
    say!(
        "saved {} ({} epochs, {:.1} s of training, {:.2} s per epoch)",
        model_path.display(),
        records.len(),
        summary.train_seconds,
        summary.train_seconds / records.len().max(1) as f64
    );
    Ok(())
}

/// The weights saved as the run's model: the last epoch's, or with `final_model = "best"` the
/// checkpoint with the lowest validation loss. Returns them with their epoch.
fn final_model(plan: &Plan, records: &[EpochRecord], last: Mlp) -> anyhow::Result<(Mlp, usize)> {
    let config = &plan.config;
    let last_epoch = records.last().map_or(config.epochs, |r| r.epoch);
    if config.checkpoint.final_model == FinalModel::Last {
        return Ok((last, last_epoch));
    }
    let checkpoints = plan.run.file(CHECKPOINT_DIR);
    let kept = checkpoint::complete_epochs(&checkpoints);
    let best = records
        .iter()
        .filter(|r| r.valid_loss.is_finite() && kept.contains(&r.epoch))
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss));
    let Some(best) = best else {
        return Ok((last, last_epoch));
    };
    let model = checkpoint::load_model(&checkpoints, best.epoch, config, &plan.device)
        .context("loading the best checkpoint")?;
    say!(
        "final model: epoch {} (lowest validation loss {:.4}, accuracy {:.2}%)",
        best.epoch,
        best.valid_loss,
        best.valid_acc
    );
    Ok((model, best.epoch))
}
