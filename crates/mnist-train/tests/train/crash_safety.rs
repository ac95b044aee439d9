//! No lost training: SIGKILL at random moments then `--resume` ends with the same weights as
//! an uninterrupted run; a diverging run stops before checkpointing garbage; damaged
//! checkpoints are skipped or named, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::{
    assert_clean_failure, metrics_rows, model_logits, summary, text, train, train_command,
};

/// Small and quick (about 0.1 s an epoch), but with every source of randomness a resume
/// must restore: shuffling, dropout masks and augmentation draws.
const CONFIG: &str = "seed = 7
epochs = 12
[model]
hidden = [64]
dropout = 0.2
[data]
train_limit = 8000
batch_size = 100
[augment]
rotation_deg = 8.0
shift_px = 1.5
[checkpoint]
keep_last = 2
";

fn write_config(dir: &Path) -> String {
    write_config_with(dir, "")
}

/// [`CONFIG`] followed by `extra` (more tables).
fn write_config_with(dir: &Path, extra: &str) -> String {
    write_config_text(dir, &format!("{CONFIG}{extra}"))
}

/// Writes `text` as the test's config file and returns its path.
fn write_config_text(dir: &Path, text: &str) -> String {
    let path = dir.join("crash.toml");
    std::fs::write(&path, text).expect("write config");
    path.to_str().expect("utf-8").to_string()
}

/// xorshift64*, seeded from the clock: every run of the test kills at other moments, and the
/// moments are printed so a failure can be replayed.
struct Moments(u64);

impl Moments {
    fn next_millis(&mut self, from: u64, to: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        from + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (to - from)
    }
}

/// Starts `train`, SIGKILLs it after `after` unless it finished first; true if it finished.
fn run_and_kill(args: &[&str], after: Duration) -> bool {
    let mut child = train_command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("train starts");
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "train failed before being killed");
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
    child.wait().expect("reaped");
    false
}

#[test]
fn sigkill_at_random_moments_then_resume_gives_the_uninterrupted_weights_on_flex() {
    sigkill_at_random_moments_then_resume("flex");
}

/// Built only with `--features ndarray` (CI's second test build, with wgpu).
#[cfg(feature = "ndarray")]
#[test]
fn sigkill_at_random_moments_then_resume_gives_the_uninterrupted_weights_on_ndarray() {
    sigkill_at_random_moments_then_resume("ndarray");
}

/// Trains [`CONFIG`] on `backend` once uninterrupted, then again with SIGKILLs at random
/// moments and `--resume` after each, and requires identical final weights and results.
fn sigkill_at_random_moments_then_resume(backend: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    // Top-level keys go before the tables, and a resume reads the backend from the run's copy.
    let config = write_config_text(dir.path(), &format!("backend = \"{backend}\"\n{CONFIG}"));
    let reference = dir.path().join("reference");
    let out = train(&[
        "--config",
        &config,
        "--out",
        reference.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as u64
        | 1;
    let mut moments = Moments(seed);
    let run = dir.path().join("killed");
    let run_arg = run.to_str().expect("utf-8");
    let mut kills = Vec::new();
    let mut finished = false;
    for attempt in 0..12 {
        let resumable = run.join("config.toml").is_file() && has_complete_checkpoint(&run);
        let args: Vec<&str> = if resumable {
            vec!["--resume", "--out", run_arg]
        } else {
            vec!["--config", &config, "--out", run_arg, "--force"]
        };
        // Five attempts are killed, each somewhere between start-up (≈ 0.2 s) and a few
        // epochs later, so that the kills land in start-up, training, validation and
        // checkpoint writes; then the run goes to the end.
        if attempt >= 5 {
            let out = train(&args);
            assert!(
                out.status.success(),
                "attempt {attempt} after kills at {kills:?} ms (moments seed {seed}): {}",
                text(&out.stderr)
            );
            finished = true;
            break;
        }
        let after = moments.next_millis(100, 450);
        if run_and_kill(&args, Duration::from_millis(after)) {
            finished = true;
            break;
        }
        kills.push(after);
    }
    assert!(finished);
    eprintln!("{backend}: killed at {kills:?} ms after each start (moments seed {seed})");
    assert!(
        kills.len() >= 3,
        "only {} kills landed before the run finished: {kills:?}",
        kills.len()
    );

    assert_eq!(
        model_logits(&run),
        model_logits(&reference),
        "{backend}: kills at {kills:?} ms (moments seed {seed}) changed the final weights"
    );
    let epochs: Vec<f64> = metrics_rows(&run).iter().map(|r| r[0]).collect();
    assert_eq!(epochs, (1..=12).map(f64::from).collect::<Vec<_>>());
    assert_eq!(
        summary(&run)["test_accuracy"],
        summary(&reference)["test_accuracy"]
    );
    let leftovers: Vec<PathBuf> = walk(&run)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(
        leftovers.len() <= kills.len(),
        "at most one temporary file per kill: {leftovers:?}"
    );
}

/// Whether some epoch has all three checkpoint files (what `--resume` needs).
fn has_complete_checkpoint(run: &Path) -> bool {
    (1..=30).any(|epoch| {
        ["model", "optim", "scheduler"]
            .iter()
            .all(|part| run.join(format!("checkpoint/{part}-{epoch}.bpk")).is_file())
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_diverging_run_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A constant rate: the schedulers refuse rates above 1 before training starts.
    let config = write_config_with(dir.path(), "[schedule]\nkind = \"constant\"\n");
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let first = train(&["--config", &config, "--out", run_arg, "--epochs", "1"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let model_before = std::fs::read(run.join("model.bpk")).expect("first run's model");

    // A learning rate of 1e30 overflows the weights in the first steps of epoch 2.
    let diverged = train(&[
        "--resume", "--out", run_arg, "--epochs", "3", "--lr", "1e30",
    ]);
    assert_clean_failure(
        &diverged,
        "error: training diverged: the training loss became",
    );
    let stderr = text(&diverged.stderr);
    assert!(stderr.contains("in epoch 2"), "{stderr}");
    assert!(
        stderr.contains("Checkpoints up to epoch 1 are intact"),
        "{stderr}"
    );
    assert!(stderr.contains("Lower optimizer.lr"), "{stderr}");
    assert!(!run.join("checkpoint/model-2.bpk").exists());
    assert_eq!(
        std::fs::read(run.join("model.bpk")).expect("model"),
        model_before,
        "a diverged run does not overwrite the model"
    );

    // The failed resume's --lr became the run's: the hinted command with a sane rate resumes
    // from the good checkpoint.
    let resumed = train(&[
        "--resume", "--out", run_arg, "--epochs", "2", "--lr", "0.002",
    ]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stdout).contains("resuming after epoch 1 of 2"));
    let epochs: Vec<f64> = metrics_rows(&run).iter().map(|r| r[0]).collect();
    assert_eq!(epochs, [1.0, 2.0]);
}

#[test]
fn damaged_checkpoints_are_skipped_with_a_warning_or_named_in_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path());
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let first = train(&["--config", &config, "--out", run_arg, "--epochs", "2"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let checkpoints = run.join("checkpoint");

    // Newest model checkpoint truncated: resume falls back to epoch 1 and says why.
    let model2 = checkpoints.join("model-2.bpk");
    let bytes = std::fs::read(&model2).expect("checkpoint");
    std::fs::write(&model2, &bytes[..bytes.len() / 2]).expect("truncate");
    let resumed = train(&["--resume", "--out", run_arg, "--epochs", "2"]);
    let stderr = text(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: skipping a damaged checkpoint") && stderr.contains("model-2.bpk"),
        "{stderr}"
    );
    assert!(text(&resumed.stdout).contains("resuming after epoch 1 of 2"));

    // Every checkpoint damaged, each in its own way: the error lists each file.
    std::fs::write(checkpoints.join("model-2.bpk"), b"not a checkpoint").expect("write");
    std::fs::write(checkpoints.join("optim-1.bpk"), b"").expect("write");
    let failed = train(&["--resume", "--out", run_arg, "--epochs", "3"]);
    assert_clean_failure(&failed, "no checkpoint in");
    let stderr = text(&failed.stderr);
    assert!(
        stderr.contains("model-2.bpk") && stderr.contains("optim-1.bpk"),
        "{stderr}"
    );

    // A checkpoint of another architecture (a run of 784-32-10 copied in).
    let other = dir.path().join("other");
    let other_config = dir.path().join("other.toml");
    std::fs::write(&other_config, CONFIG.replace("[64]", "[32]")).expect("write");
    let out = train(&[
        "--config",
        other_config.to_str().expect("utf-8"),
        "--out",
        other.to_str().expect("utf-8"),
        "--epochs",
        "1",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for part in ["model", "optim", "scheduler"] {
        std::fs::copy(
            other.join(format!("checkpoint/{part}-1.bpk")),
            checkpoints.join(format!("{part}-1.bpk")),
        )
        .expect("copy");
    }
    std::fs::remove_file(checkpoints.join("model-2.bpk")).expect("remove");
    let failed = train(&["--resume", "--out", run_arg, "--epochs", "3"]);
    assert_clean_failure(&failed, "not a checkpoint of this run's model");
    assert!(text(&failed.stderr).contains("model-1.bpk"));
}

/// A kill between an epoch's checkpoint and its `metrics.csv` row (the window the random kills
/// above land in now and then): the resume trains that epoch again, so no row is missing and
/// the weights are still the uninterrupted run's.
#[test]
fn a_checkpoint_whose_metrics_row_was_cut_off_is_trained_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path());
    let reference = dir.path().join("reference");
    let out = train(&[
        "--config",
        &config,
        "--out",
        reference.to_str().expect("utf-8"),
        "--epochs",
        "3",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let metrics = run.join("metrics.csv");
    let keep_rows = |rows: usize| {
        let text = std::fs::read_to_string(&metrics).expect("metrics");
        let kept: Vec<&str> = text.lines().take(1 + rows).collect();
        std::fs::write(&metrics, kept.join("\n") + "\n").expect("write");
    };

    // Epoch 3's checkpoint is there, its row is not: resume after epoch 2.
    let out = train(&["--config", &config, "--out", run_arg, "--epochs", "3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    keep_rows(2);
    let resumed = train(&["--resume", "--out", run_arg, "--epochs", "3"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(
        text(&resumed.stdout).contains("resuming after epoch 2 of 3"),
        "{}",
        text(&resumed.stdout)
    );
    let epochs: Vec<f64> = metrics_rows(&run).iter().map(|r| r[0]).collect();
    assert_eq!(epochs, [1.0, 2.0, 3.0]);
    assert_eq!(model_logits(&run), model_logits(&reference));

    // No row at all (killed after the first checkpoint): the run starts from epoch 1 again.
    keep_rows(0);
    let restarted = train(&["--resume", "--out", run_arg, "--epochs", "3"]);
    assert!(restarted.status.success(), "{}", text(&restarted.stderr));
    assert!(
        !text(&restarted.stdout).contains("resuming after"),
        "{}",
        text(&restarted.stdout)
    );
    let epochs: Vec<f64> = metrics_rows(&run).iter().map(|r| r[0]).collect();
    assert_eq!(epochs, [1.0, 2.0, 3.0]);
    assert_eq!(model_logits(&run), model_logits(&reference));
}

#[test]
fn sigint_and_sigterm_stop_cleanly_with_exit_130_and_the_resume_command() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = write_config(dir.path());
        let run = dir.path().join("run");
        let run_arg = run.to_str().expect("utf-8");
        let child = spawn_train(&["--config", &config, "--out", run_arg, "--epochs", "30"]);
        // Signal once the first epoch is checkpointed, i.e. in the middle of training.
        wait_for_checkpoint(&run);
        kill(Pid::from_raw(child.id() as i32), signal).expect("signal sent");
        let out = child.wait_with_output().expect("train exits");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{signal}: {stderr}");
        assert!(
            stderr.contains(&format!("resume with: train --resume --out {run_arg}")),
            "{signal}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !run.join("model.bpk").exists(),
            "an interrupted run saves no final model"
        );

        // The hinted command, as printed.
        let resumed = train(&["--resume", "--out", run_arg]);
        assert!(resumed.status.success(), "{}", text(&resumed.stderr));
        assert!(text(&resumed.stdout).contains("of 30"));
        assert!(run.join("model.bpk").is_file());
    }
}

/// Starts `train` in the background (output kept for the caller).
fn spawn_train(args: &[&str]) -> std::process::Child {
    train_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("train starts")
}

/// Waits until `run` holds a complete checkpoint (the run is mid-training).
fn wait_for_checkpoint(run: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !has_complete_checkpoint(run) {
        assert!(Instant::now() < deadline, "no checkpoint within a minute");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_train_on_a_running_directory_is_refused_and_a_killed_one_leaves_no_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path());
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let mut first = spawn_train(&["--config", &config, "--out", run_arg, "--epochs", "200"]);
    wait_for_checkpoint(&run);
    for args in [
        vec!["--config", &config, "--out", run_arg, "--force"],
        vec!["--resume", "--out", run_arg],
    ] {
        let second = train(&args);
        assert_clean_failure(&second, "is in use by another train process");
        assert!(
            text(&second.stderr).contains(&format!("(pid {})", first.id())),
            "{}",
            text(&second.stderr)
        );
    }
    assert!(
        run.join("config.toml").is_file() && has_complete_checkpoint(&run),
        "the running run was not touched"
    );
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let resumed = train(&["--resume", "--out", run_arg, "--epochs", "20"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
}

/// A tmpfs mounted for one test: root mounts it, or `sudo -n` (as `.ci/run` does for its
/// installs). Unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

/// `program` run as root: directly when this is root, else through `sudo -n`.
fn as_root(program: &str) -> Command {
    let uid = Command::new("id").arg("-u").output().map(|o| o.stdout);
    if uid.is_ok_and(|uid| uid.trim_ascii() == b"0") {
        Command::new(program)
    } else {
        let mut command = Command::new("sudo");
        command.args(["-n", program]);
        command
    }
}

impl Tmpfs {
    /// Mounts `size` (e.g. "2m") with extra `options` (e.g. ",ro"), writable by anyone unless
    /// read-only; `None` when it cannot be mounted, which is an error under CI.
    fn mount(size: &str, options: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let status = as_root("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=1777{options}"),
                "tmpfs",
            ])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status();
        if status.is_ok_and(|s| s.success()) {
            return Some(Self { dir });
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the fault tests: mounting a tmpfs failed (neither root nor sudo -n)"
        );
        eprintln!("skipped: mounting a tmpfs needs root or sudo");
        None
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let status = as_root("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "remount {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = as_root("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_stops_with_the_path_keeps_the_last_checkpoint_and_resume_finishes() {
    // An epoch's checkpoint of the 784-64-10 model is ≈ 0.6 MB (weights 0.2, Adam's moments
    // 0.4): 1 MB holds the first and fills up while the second is written. (2 MB was
    // borderline: with `keep_last = 2` the run sometimes fitted until the final model.)
    let Some(disk) = Tmpfs::mount("1m", "") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path());
    let run = disk.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let out = train(&["--config", &config, "--out", run_arg]);
    assert_clean_failure(&out, "No space left on device");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(run_arg), "names the path: {stderr}");
    assert!(
        stderr.contains("continue with: train --resume --out"),
        "{stderr}"
    );
    assert!(
        has_complete_checkpoint(&run),
        "a complete earlier checkpoint: {stderr}"
    );
    let rows_before = metrics_rows(&run).len();
    let strays: Vec<PathBuf> = walk(&run)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    assert!(strays.is_empty(), "no half-written files left: {strays:?}");

    disk.remount("size=64m");
    let resumed = train(&["--resume", "--out", run_arg]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let epochs: Vec<f64> = metrics_rows(&run).iter().map(|r| r[0]).collect();
    assert_eq!(epochs, (1..=12).map(f64::from).collect::<Vec<_>>());
    assert!(
        rows_before < 3,
        "stopped at the second checkpoint: {rows_before} rows"
    );
    assert!(run.join("model.bpk").is_file() && run.join("summary.json").is_file());
}

#[test]
fn a_read_only_output_and_a_run_directory_deleted_mid_run_are_clear_errors() {
    let Some(disk) = Tmpfs::mount("16m", ",ro") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path());
    let run = disk.path().join("run");
    let out = train(&["--config", &config, "--out", run.to_str().expect("utf-8")]);
    assert_clean_failure(&out, "Read-only file system");
    assert!(text(&out.stderr).contains(disk.path().to_str().expect("utf-8")));

    let run = dir.path().join("doomed");
    let run_arg = run.to_str().expect("utf-8");
    let child = spawn_train(&["--config", &config, "--out", run_arg, "--epochs", "200"]);
    wait_for_checkpoint(&run);
    // Files appear while it deletes: retry until the directory is gone.
    while run.exists() {
        let _ = std::fs::remove_dir_all(&run);
    }
    let out = child.wait_with_output().expect("train exits");
    assert_clean_failure(&out, "training failed");
    assert!(text(&out.stderr).contains(run_arg), "{}", text(&out.stderr));
}
