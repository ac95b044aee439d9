//! Links between the documents lead to a file and, with a `#fragment`, to a heading.

use std::fs;

use crate::documents::{documents, prose_lines};
use crate::{fail_on, repo};

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
        let name = path
            .strip_prefix(repo())
            .expect("in the repository")
            .display()
            .to_string();
        for (number, line) in prose_lines(&name, &text) {
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
                let at = format!("{name}:{number}");
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
fn anchors_are_githubs() {
    assert_eq!(
        anchor(" Build profile: no cross-crate LTO"),
        "build-profile-no-cross-crate-lto"
    );
    assert_eq!(
        anchor("The studio (`serve`) and its JSON API"),
        "the-studio-serve-and-its-json-api"
    );
}
