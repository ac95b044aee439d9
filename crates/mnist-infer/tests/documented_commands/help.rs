//! Each binary's `--help` fits a screen and ends with examples that are true.

use crate::bins::bins;
use crate::shell::{check_command, words};
use crate::{REPO_DIRS, SCREEN_COLUMNS, fail_on, repo, require_binaries};

/// Lines a `--help` may take: one screen.
const MAX_HELP_LINES: usize = 40;

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
