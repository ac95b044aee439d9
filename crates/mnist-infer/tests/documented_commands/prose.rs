//! Commands quoted in the running text (`` `cargo bench --workspace --bench batching` ``)
//! get an illustrative block's checks: the binaries, flags, packages, features, targets,
//! pinned tool versions and repository paths they name exist.

use std::fs;

use crate::bins::bins;
use crate::documents::{documents, prose_lines};
use crate::shell::{check_command, words};
use crate::{fail_on, repo, require_binaries};

/// The inline code spans of a Markdown text outside its fenced blocks, each with the line
/// (from 1) it starts on. A span may run over a line break, as Markdown allows.
fn code_spans(file: &str, text: &str) -> Vec<(usize, String)> {
    let prose: String = prose_lines(file, text)
        .into_iter()
        .map(|(_, line)| format!("{line}\n"))
        .collect();
    let mut spans = Vec::new();
    let mut rest = prose.as_str();
    let mut line = 1;
    while let Some(start) = rest.find('`') {
        line += rest[..start].matches('\n').count();
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        let Some(end) = after.find(&closing) else {
            break;
        };
        let span = after[..end].replace('\n', " ");
        spans.push((line, span.trim().to_string()));
        line += after[..end].matches('\n').count();
        rest = &after[end + ticks..];
    }
    spans
}

/// Whether a span is a command to check: a workspace binary with arguments, or cargo with a
/// subcommand and more; not a pattern with placeholders (`NAME`, `…`).
fn is_checked_command(words: &[String]) -> bool {
    let placeholder = words.iter().any(|w| {
        w.contains('…')
            || w == "..."
            || (!w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
    });
    let command = match words.first().map(String::as_str) {
        Some("cargo") => words.len() >= 3,
        Some(first) => words.len() >= 2 && bins().contains_key(first),
        None => false,
    };
    command && !placeholder
}

#[test]
fn commands_quoted_in_the_text_name_what_exists() {
    require_binaries();
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in documents() {
        let text = fs::read_to_string(&path).expect("a document");
        let name = path.strip_prefix(repo()).expect("in the repository");
        for (line, span) in code_spans(&name.display().to_string(), &text) {
            let command = words(&span);
            if !is_checked_command(&command) {
                continue;
            }
            checked += 1;
            let (_, found) = check_command(&command, true);
            problems.extend(
                found
                    .into_iter()
                    .map(|p| format!("{}:{line}: `{span}`: {p}", name.display())),
            );
        }
    }
    fail_on(
        problems,
        "commands quoted in the text of README.md and docs/ that would rot",
    );
    assert!(
        checked > 0,
        "no command found in the text: is the scanner still reading the documents?"
    );
}

#[test]
fn spans_are_found_across_lines_and_never_inside_fenced_blocks() {
    let text = "Run `cargo test\n--release` or ``a `b` c``.\n```sh\n`not a span`\n```\nend `x`";
    assert_eq!(
        code_spans("test.md", text),
        [
            (1, "cargo test --release".to_string()),
            (2, "a `b` c".to_string()),
            (6, "x".to_string())
        ]
    );
}
