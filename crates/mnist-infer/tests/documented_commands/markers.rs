//! Every block of commands is run (a `console` block here, a `sh` block by the script its
//! `run-by` marker names) or marked illustrative, and its commands are checked either way.

use std::collections::BTreeMap;
use std::fs;

use crate::documents::{Block, ILLUSTRATIVE, RUN_BY, blocks};
use crate::shell::{check_command, commands, script_runs};
use crate::{fail_on, repo, require_binaries};

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
