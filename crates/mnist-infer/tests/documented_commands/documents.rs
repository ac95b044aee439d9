//! The documents (README.md and docs/*.md): their fenced blocks and the marker before each.

use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::repo;

pub const ILLUSTRATIVE: &str = "<!-- illustrative -->";
pub const RUN_BY: &str = "<!-- run-by: ";
/// Tags of blocks that hold commands (lower-cased first: GitHub reads `SH` as `sh`).
pub const SHELL_TAGS: [&str; 5] = ["sh", "bash", "shell", "zsh", "shell-session"];

#[derive(Debug)]
pub struct Block {
    pub file: String,
    /// Line of the opening fence, from 1.
    pub line: usize,
    pub tag: String,
    pub marker: Option<String>,
    pub body: Vec<String>,
}

impl Block {
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    pub fn shows_commands(&self) -> bool {
        self.tag == "console"
            || SHELL_TAGS.contains(&self.tag.as_str())
            || self
                .body
                .iter()
                .any(|line| line.trim_start().starts_with("$ "))
    }
}

pub fn documents() -> Vec<PathBuf> {
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

pub fn blocks() -> &'static [Block] {
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

/// The lines of `file`'s `text`, numbered from 1, with its fenced blocks (fences included)
/// blanked: the running text, for the checks that read it.
pub fn prose_lines<'a>(file: &str, text: &'a str) -> Vec<(usize, &'a str)> {
    let fenced: Vec<(usize, usize)> = parse_blocks(file, text)
        .iter()
        .map(|block| (block.line, block.line + block.body.len() + 1))
        .collect();
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            let number = index + 1;
            let inside = fenced
                .iter()
                .any(|&(open, close)| (open..=close).contains(&number));
            (number, if inside { "" } else { line })
        })
        .collect()
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
