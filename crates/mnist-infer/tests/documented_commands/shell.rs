//! Shell commands: lines joined and split into words, and the checks of what in a command
//! can rot (binaries, flags, cargo packages, features and targets, repository paths).

use crate::bins::bins;
use crate::workspace::{Package, package_of_bin, workspace};
use crate::{REPO_DIRS, repo};

/// The commands of a shell block or script: continuation lines joined, comments dropped,
/// split into words, and split again at `&&`, `||`, `;` and `|`.
pub fn commands(lines: &[String]) -> Vec<Vec<String>> {
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
pub fn words(line: &str) -> Vec<String> {
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

pub fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// What a command starts: one of our binaries with its arguments, or something else.
pub enum Invocation<'a> {
    Bin { name: &'a str, args: &'a [String] },
    Other,
}

/// Checks what can rot in a command: returns the problems found. `paths`: whether the
/// repository paths it names must exist (a wrong-input example names missing ones).
pub fn check_command<'a>(command: &'a [String], paths: bool) -> (Invocation<'a>, Vec<String>) {
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
    if subcommand == "install" {
        check_install(&args[1..], problems);
        return Invocation::Other;
    }
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

/// `cargo install NAME-cli --version V` of a tool that must match the library a workspace
/// crate pins (`NAME = "=V"`), as wasm-bindgen's command-line tool must.
fn check_install(args: &[String], problems: &mut Vec<String>) {
    let Some(library) = args.first().and_then(|tool| tool.strip_suffix("-cli")) else {
        return;
    };
    let version = args
        .iter()
        .position(|w| w == "--version")
        .and_then(|i| args.get(i + 1));
    for (name, package) in workspace() {
        if let Some(pinned) = package.pins.get(library)
            && version != Some(pinned)
        {
            problems.push(format!(
                "`{library}-cli` must be installed at --version {pinned}, the {library} \
                 {name} links"
            ));
        }
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
pub fn script_runs(script: &[Vec<String>], command: &[String]) -> bool {
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

#[test]
fn words_are_split_as_a_shell_splits_them() {
    assert_eq!(
        words(r#"curl -s 'a b' "c\"d" e\ f # comment"#),
        ["curl", "-s", "a b", "c\"d", "e f"]
    );
    assert_eq!(
        commands(&["a x \\".into(), "  y && b | c ; d".into()]),
        [vec!["a", "x", "y"], vec!["b"], vec!["c"], vec!["d"]]
    );
}

#[test]
fn a_script_runs_a_documented_command_when_it_starts_with_its_words() {
    let script = commands(&[
        "X=1 Y=2 cargo run --release --locked --bin train -- --config c.toml --force".into(),
    ]);
    assert!(script_runs(
        &script,
        &words("Y=2 cargo run --release --bin train -- --config c.toml")
    ));
    assert!(!script_runs(
        &script,
        &words("Z=3 cargo run --release --bin train")
    ));
    assert!(!script_runs(
        &script,
        &words("cargo run --release --bin infer")
    ));
}
