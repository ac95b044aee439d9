//! The `train` binary as users run it: a short run on a subset of real MNIST, the run
//! directory it leaves, resuming, refusing to clobber, and clear errors for bad input.

use std::path::PathBuf;
use std::process::Stdio;

use crate::support::{
    assert_clean_failure, metrics_rows, model_logits, summary, text, train, train_command,
};

const QUICK: [&str; 6] = [
    "--config",
    "configs/mlp-128.toml",
    "--train-limit",
    "3000",
    "--epochs",
    "2",
];

#[test]
fn a_short_run_learns_and_leaves_a_complete_run_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let out = train(&[&QUICK[..], &["--out", run.to_str().expect("utf-8")]].concat());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("backend flex"),
        "the default CPU backend: {stdout}"
    );
    assert!(stdout.contains("epoch   2/2"), "{stdout}");
    assert!(stdout.contains("per class: 0: "), "{stdout}");

    for file in [
        "config.toml",
        "model.bpk",
        "model.json",
        "model.safetensors",
        "model.keras",
        "model.onnx",
        "model-int8.safetensors",
        "model-int8.onnx",
        "metrics.csv",
        "curves.png",
        "summary.json",
        "checkpoint/model-2.bpk",
    ] {
        assert!(run.join(file).is_file(), "missing {file}");
    }
    let rows = metrics_rows(&run);
    assert_eq!(rows.len(), 2);
    assert!(rows[1][1] < rows[0][1], "training loss falls: {rows:?}");
    let summary = summary(&run);
    let accuracy = summary["test_accuracy"].as_f64().expect("test_accuracy");
    assert!(
        accuracy > 80.0,
        "well above chance after 2 epochs on 3000 images: {accuracy}"
    );
    assert_eq!(summary["params"], 101_770);
    assert_eq!(summary["backend"], "flex");
    assert_eq!(summary["epochs"], 2);
    assert_eq!(summary["epoch_seconds"].as_array().expect("list").len(), 2);
    // The second epoch's steps, counted inside the process.
    let steady = &summary["steady_state"];
    let batch = summary["batch_size"].as_u64().expect("batch_size");
    assert_eq!(
        steady["steps"].as_u64(),
        Some(3000_u64.div_ceil(batch)),
        "{steady}"
    );
    for counter in ["minor_faults", "voluntary_switches", "involuntary_switches"] {
        assert!(
            steady[counter].as_f64().is_some_and(|v| v >= 0.0),
            "{steady}"
        );
    }
    assert!(
        stdout.contains(&format!("test accuracy {accuracy:.2}%")),
        "{stdout}"
    );
    // Where the figures came from, the threads' floating-point mode included.
    let host = &summary["host"];
    assert!(
        host["cpu"].is_string() && host["threads"].as_u64() >= Some(1),
        "{host}"
    );
    assert_eq!(
        host["flush_denormals"].as_bool(),
        Some(cfg!(any(target_arch = "x86_64", target_arch = "aarch64"))),
        "{host}"
    );

    // An existing run is refused, then --force starts over.
    let again = train(&[&QUICK[..], &["--out", run.to_str().expect("utf-8")]].concat());
    assert_clean_failure(
        &again,
        "already holds a run; pass --resume to continue it or --force to start over",
    );
    let run_arg = run.to_str().expect("utf-8");
    let forced = train(&[&QUICK[..4], &["--epochs", "1", "--out", run_arg, "--force"]].concat());
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert_eq!(metrics_rows(&run).len(), 1);
}

#[test]
fn a_reader_that_closes_stdout_does_not_stop_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    // `train … | head -1`: the pipe closes before the first epoch's line.
    let mut child = train_command(&[&QUICK[..4], &["--epochs", "1", "--out", run_arg]].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("train starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("train ends");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        summary(&run)["epochs"],
        1,
        "the run finished and saved its results"
    );
    assert!(run.join("model.bpk").is_file());
}

#[test]
fn init_from_starts_at_the_given_weights_and_refuses_another_architecture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("source");
    let first = train(&[&QUICK[..], &["--out", source.to_str().expect("utf-8")]].concat());
    assert!(first.status.success(), "{}", text(&first.stderr));
    let source_accuracy = summary(&source)["valid_accuracy"].as_f64().expect("number");

    // One epoch on 256 images barely moves a random model (≈ 30 %); from the exported
    // weights (PyTorch's or Keras's) it starts where the source run ended.
    for export in ["model.safetensors", "model.keras"] {
        let run = dir.path().join(format!("from-{export}"));
        let out = train(&[
            "--config",
            "configs/mlp-128.toml",
            "--train-limit",
            "256",
            "--epochs",
            "1",
            "--init-from",
            source.join(export).to_str().expect("utf-8"),
            "--out",
            run.to_str().expect("utf-8"),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let accuracy = summary(&run)["valid_accuracy"].as_f64().expect("number");
        assert!(
            (accuracy - source_accuracy).abs() < 5.0,
            "{export}: started from {source_accuracy}%, got {accuracy}%"
        );
    }
    let weights = source.join("model.safetensors");
    let out = train(&[
        "--config",
        "configs/mlp-128.toml",
        "--init-from",
        weights.to_str().expect("utf-8"),
        "--init-input-scale",
        "0",
        "--out",
        dir.path().join("scaled").to_str().expect("utf-8"),
    ]);
    assert_clean_failure(&out, "init_input_scale is 0: it must be > 0");

    let other = dir.path().join("other");
    let out = train(&[
        "--config",
        "configs/mlp-256-128.toml",
        "--init-from",
        weights.to_str().expect("utf-8"),
        "--out",
        other.to_str().expect("utf-8"),
    ]);
    assert_clean_failure(
        &out,
        "holds a 784-128-10 model but model.hidden describes 784-256-128-10",
    );
    assert!(!other.exists(), "nothing is created for a refused run");
}

#[test]
fn resume_continues_at_the_next_epoch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let first = train(&[
        "--config",
        "configs/mlp-128.toml",
        "--train-limit",
        "2000",
        "--epochs",
        "1",
        "--out",
        run_arg,
    ]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let resumed = train(&["--resume", "--out", run_arg, "--epochs", "3"]);
    let stdout = text(&resumed.stdout);
    assert!(
        resumed.status.success(),
        "{stdout}\n{}",
        text(&resumed.stderr)
    );
    assert!(stdout.contains("resuming after epoch 1 of 3"), "{stdout}");
    assert!(
        !stdout.contains("epoch   1/3"),
        "epoch 1 is not trained again: {stdout}"
    );
    assert!(
        stdout.contains("epoch   2/3") && stdout.contains("epoch   3/3"),
        "{stdout}"
    );
    let epochs: Vec<f64> = metrics_rows(&run).iter().map(|r| r[0]).collect();
    assert_eq!(epochs, [1.0, 2.0, 3.0]);
    assert_eq!(summary(&run)["epochs"], 3);
}

#[test]
fn same_seed_gives_the_same_weights_and_accuracy_on_each_cpu_backend() {
    let backends: &[&str] = if cfg!(feature = "ndarray") {
        &["flex", "ndarray"]
    } else {
        &["flex"]
    };
    for &backend in backends {
        let dir = tempfile::tempdir().expect("tempdir");
        let runs: Vec<PathBuf> = (0..2).map(|i| dir.path().join(format!("run{i}"))).collect();
        for run in &runs {
            let out = train(&[
                "--config",
                "configs/mlp-128.toml",
                "--backend",
                backend,
                "--train-limit",
                "1000",
                "--epochs",
                "1",
                "--out",
                run.to_str().expect("utf-8"),
            ]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(summary(run)["backend"], backend);
        }
        assert_eq!(
            model_logits(&runs[0]),
            model_logits(&runs[1]),
            "identical weights for the same seed on {backend}"
        );
        assert_eq!(
            summary(&runs[0])["test_accuracy"],
            summary(&runs[1])["test_accuracy"]
        );
    }
}

#[test]
fn bad_configs_are_clear_errors_naming_file_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write config");
        path.to_str().expect("utf-8").to_string()
    };
    let out_dir = dir.path().join("out");
    let out = out_dir.to_str().expect("utf-8");

    let lr = write(
        "lr.toml",
        "epochs = 1\n[model]\nhidden = [8]\n[optimizer]\nlr = 0\n",
    );
    assert_clean_failure(
        &train(&["--config", &lr, "--out", out]),
        &format!("{lr}: optimizer.lr is 0: it must be > 0"),
    );
    let unknown = write(
        "unknown.toml",
        "epochs = 1\nepoch = 3\n[model]\nhidden = [8]\n",
    );
    assert_clean_failure(
        &train(&["--config", &unknown, "--out", out]),
        "unknown field `epoch`",
    );
    let syntax = write("syntax.toml", "epochs = 1\n[model\nhidden = [8]\n");
    assert_clean_failure(&train(&["--config", &syntax, "--out", out]), "line 2");
    let empty = write("empty.toml", "epochs = 1\n[model]\nhidden = []\n");
    assert_clean_failure(
        &train(&["--config", &empty, "--out", out]),
        "model.hidden must list at least one",
    );
    assert_clean_failure(
        &train(&["--config", "/nonexistent/cfg.toml"]),
        "cannot read config /nonexistent/cfg.toml",
    );
    assert_clean_failure(
        &train(&[
            "--config",
            &lr,
            "--lr",
            "0.01",
            "--batch-size",
            "0",
            "--out",
            out,
        ]),
        "data.batch_size",
    );
    assert_clean_failure(&train(&["--resume", "--out", out]), "config.toml");
    let wrong_type = write(
        "type.toml",
        "epochs = 1\n[model]\nhidden = [8]\n[optimizer]\nlr = \"fast\"\n",
    );
    assert_clean_failure(
        &train(&["--config", &wrong_type, "--out", out]),
        &format!("{wrong_type}: TOML parse error at line 5"),
    );
    // An output directory that cannot be created: its parent is a file.
    let blocker = write("blocker", "");
    let valid = write("valid.toml", "epochs = 1\n[model]\nhidden = [8]\n");
    assert_clean_failure(
        &train(&["--config", &valid, "--out", &format!("{blocker}/run")]),
        &format!("cannot lock run directory {blocker}/run"),
    );
    let no_data = train(&[
        "--config",
        &valid,
        "--data-dir",
        "/nonexistent/mnist",
        "--out",
        out,
    ]);
    assert_clean_failure(
        &no_data,
        "error: cannot read /nonexistent/mnist: no such directory\n",
    );
    assert_eq!(
        text(&no_data.stderr).matches("no such directory").count(),
        1
    );
    assert!(
        !out_dir.exists(),
        "nothing is written for a rejected config"
    );
}

#[test]
fn a_backend_that_is_not_compiled_in_names_the_feature() {
    let out = train(&[
        "--config",
        "configs/mlp-128.toml",
        "--backend",
        "cuda",
        "--out",
        "/tmp/never-written",
    ]);
    assert_clean_failure(&out, "rebuild with `--features cuda`");
    let out = train(&["--config", "configs/mlp-128.toml", "--backend", "tpu"]);
    assert_clean_failure(&out, "unknown backend `tpu`");
}

/// The wgpu backend trains for real. CI runs this on Mesa's software Vulkan (llvmpipe):
/// `cargo test --release -p mnist-train --features wgpu --test train wgpu`.
#[cfg(feature = "wgpu")]
#[test]
fn wgpu_backend_learns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let out = train(
        &[
            &QUICK[..],
            &["--backend", "wgpu", "--out", run.to_str().expect("utf-8")],
        ]
        .concat(),
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("backend wgpu"), "{stdout}");
    let rows = metrics_rows(&run);
    assert!(rows[1][1] < rows[0][1], "training loss falls: {rows:?}");
    let summary = summary(&run);
    assert_eq!(summary["backend"], "wgpu");
    let accuracy = summary["test_accuracy"].as_f64().expect("test_accuracy");
    assert!(accuracy > 80.0, "well above chance: {accuracy}");
}

#[test]
fn early_stopping_ends_an_overfitting_run_and_the_best_epoch_becomes_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("overfit.toml");
    // 500 images and 30 epochs: validation loss bottoms out after a few epochs.
    std::fs::write(
        &config,
        "epochs = 30\n[model]\nhidden = [64]\n[data]\ntrain_limit = 500\nbatch_size = 32\n\
         [checkpoint]\nfinal_model = \"best\"\n[early_stopping]\npatience = 2\n",
    )
    .expect("write config");
    let run = dir.path().join("run");
    let out = train(&[
        "--config",
        config.to_str().expect("utf-8"),
        "--out",
        run.to_str().expect("utf-8"),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let rows = metrics_rows(&run);
    assert!(rows.len() < 30, "stopped early: {} epochs", rows.len());
    let best = rows
        .iter()
        .min_by(|a, b| a[3].total_cmp(&b[3]))
        .expect("some epochs");
    let last = rows.last().expect("some epochs");
    assert!(
        last[0] - best[0] >= 2.0,
        "patience 2: at least two epochs after the best"
    );
    let summary = summary(&run);
    assert_eq!(summary["final_epoch"], best[0] as u64);
    assert!(stdout.contains(&format!(
        "final model: epoch {} (lowest validation loss",
        best[0]
    )));
    assert!(
        run.join(format!("checkpoint/model-{}.bpk", best[0]))
            .is_file(),
        "the best checkpoint is kept besides the last ones"
    );
}

#[test]
fn resume_keeps_the_flags_it_takes_and_refuses_those_that_break_exactness() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let run_arg = run.to_str().expect("utf-8");
    let first = train(&[&QUICK[..4], &["--epochs", "1", "--out", run_arg]].concat());
    assert!(first.status.success(), "{}", text(&first.stderr));

    for (flag, value) in [
        ("--batch-size", "32"),
        ("--seed", "9"),
        ("--train-limit", "100"),
    ] {
        let out = train(&["--resume", "--out", run_arg, flag, value]);
        assert_clean_failure(&out, &format!("{flag} cannot change on --resume"));
    }
    let out = train(&["--resume", "--out", run_arg, "--init-from", run_arg]);
    assert_clean_failure(
        &out,
        "--init-from and --init-input-scale have no effect on --resume",
    );

    // Extending the run is saved with it: the plain resume command goes on to epoch 3.
    let extended = train(&["--resume", "--out", run_arg, "--epochs", "2"]);
    assert!(extended.status.success(), "{}", text(&extended.stderr));
    let saved = std::fs::read_to_string(run.join("config.toml")).expect("config.toml");
    assert!(saved.contains("epochs = 2"), "{saved}");
    let again = train(&["--resume", "--out", run_arg, "--epochs", "3"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let plain = train(&["--resume", "--out", run_arg]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert!(
        text(&plain.stdout).contains("resuming after epoch 3 of 3"),
        "{}",
        text(&plain.stdout)
    );
    let shorter = train(&["--resume", "--out", run_arg, "--epochs", "2"]);
    assert_clean_failure(
        &shorter,
        "already holds 3 trained epochs; pass --epochs 3 or more",
    );

    // Training time in the summary is the training passes only, resumed epochs included.
    let rows = metrics_rows(&run);
    assert_eq!(rows.len(), 3);
    let train_seconds: f64 = rows.iter().map(|r| r[6]).sum();
    assert!(
        rows.iter().all(|r| r[6] < r[7]),
        "validation is excluded: {rows:?}"
    );
    let summary = summary(&run);
    let reported = summary["train_seconds"].as_f64().expect("number");
    assert!(
        (reported - train_seconds).abs() < 0.01,
        "{reported} vs the rows' {train_seconds}"
    );
}

#[test]
fn config_paths_are_relative_to_the_config_and_a_resume_does_not_need_init_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("source");
    let first = train(
        &[
            &QUICK[..4],
            &["--epochs", "1", "--out", source.to_str().expect("utf-8")],
        ]
        .concat(),
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    // A config beside its weights names them by a relative path; train runs from the repo.
    let project = dir.path().join("project");
    std::fs::create_dir(&project).expect("mkdir");
    std::fs::copy(
        source.join("model.safetensors"),
        project.join("start.safetensors"),
    )
    .expect("copy");
    let config = project.join("tuned.toml");
    std::fs::write(
        &config,
        "epochs = 1\ninit_from = \"start.safetensors\"\n[model]\nhidden = [128]\ndropout = 0.2\n\
         [data]\ntrain_limit = 500\n[output]\ndir = \"runs\"\n",
    )
    .expect("write");
    let out = train(&["--config", config.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = project.join("runs/tuned");
    assert!(
        run.join("model.bpk").is_file(),
        "output.dir is relative to the config"
    );
    assert!(summary(&run)["valid_accuracy"].as_f64().expect("number") > 80.0);
    let saved = std::fs::read_to_string(run.join("config.toml")).expect("config.toml");
    assert!(saved.contains("dropout = 0.2"), "{saved}");

    // The starting weights are gone; the run's checkpoint is all a resume needs.
    std::fs::remove_file(project.join("start.safetensors")).expect("rm");
    let resumed = train(&[
        "--resume",
        "--out",
        run.to_str().expect("utf-8"),
        "--epochs",
        "2",
    ]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
}

#[test]
fn fetch_only_reads_the_configs_data_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("elsewhere.toml");
    std::fs::write(
        &config,
        "epochs = 1\n[model]\nhidden = [8]\n[data]\ndir = \"/nonexistent/mnist\"\n",
    )
    .expect("write");
    let out = train(&["--fetch-only", "--config", config.to_str().expect("utf-8")]);
    assert_clean_failure(&out, "cannot read /nonexistent/mnist");
    let out = train(&["--fetch-only"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("MNIST ready: 60000 training and 10000 test images"));
}

#[test]
fn a_short_run_on_real_fashion_mnist_learns_and_records_the_dataset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("fashion");
    let out = train(&[
        "--config",
        "configs/fashion-mlp-256-128.toml",
        "--train-limit",
        "5000",
        "--epochs",
        "2",
        "--out",
        run.to_str().expect("utf-8"),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(": Fashion-MNIST, model 784-256-128-10"),
        "{stdout}"
    );
    assert!(stdout.contains("per class: T-shirt/top: "), "{stdout}");
    assert!(stdout.contains("  Ankle boot: "), "{stdout}");
    let summary = summary(&run);
    assert_eq!(summary["dataset"], "fashion-mnist");
    let accuracy = summary["test_accuracy"].as_f64().expect("test_accuracy");
    // Chance is 10 %; two epochs on 5 000 images give ≈ 78 %.
    assert!(accuracy > 65.0, "{accuracy}");
    let description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("model.json")).expect("model.json"))
            .expect("json");
    assert_eq!(description["dataset"], "fashion-mnist");
    let saved = std::fs::read_to_string(run.join("config.toml")).expect("config.toml");
    assert!(saved.contains("dataset = \"fashion-mnist\""), "{saved}");

    // The dataset decides the batches: a resume may not change it.
    let out = train(&[
        "--resume",
        "--out",
        run.to_str().expect("utf-8"),
        "--dataset",
        "mnist",
    ]);
    assert_clean_failure(&out, "--dataset cannot change on --resume");
}

#[test]
fn mnist_files_given_for_fashion_mnist_are_refused_naming_the_file_and_the_dataset() {
    let mnist = mnist_data::fetch(&mnist_data::FetchOptions {
        progress: false,
        ..mnist_data::FetchOptions::default()
    })
    .unwrap_or_else(|e| panic!("real MNIST is required: {e}"));
    let data = tempfile::tempdir().expect("tempdir");
    for file in mnist_data::MnistFile::ALL {
        std::fs::write(data.path().join(file.file_name()), mnist.bytes(file)).expect("write");
    }
    let out_dir = tempfile::tempdir().expect("tempdir");
    let run = out_dir.path().join("run");
    let out = train(&[
        "--config",
        "configs/mlp-128.toml",
        "--dataset",
        "fashion-mnist",
        "--data-dir",
        data.path().to_str().expect("utf-8"),
        "--out",
        run.to_str().expect("utf-8"),
    ]);
    let file = data.path().join("train-images-idx3-ubyte");
    assert_clean_failure(
        &out,
        &format!("{}: not a valid Fashion-MNIST file", file.display()),
    );
    assert_clean_failure(
        &out,
        "this is MNIST's train-images-idx3-ubyte, not Fashion-MNIST's",
    );
    assert!(!run.exists(), "nothing was written");

    let out = train(&["--config", "configs/mlp-128.toml", "--dataset", "emnist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("unknown dataset `emnist`: the datasets are mnist, fashion-mnist"),
        "{}",
        text(&out.stderr)
    );
}
