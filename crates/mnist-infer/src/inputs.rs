//! Expanding the paths on the command line into the image files to classify.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// File extensions looked for inside directories (case-insensitive). Files named
/// explicitly are tried whatever their name, and the decoder goes by content.
pub const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "bmp", "gif", "webp"];

/// One path to classify, or why a command-line path yielded nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An image file to classify.
    Image(PathBuf),
    /// A path that could not be used, with the reason.
    Unusable(PathBuf, String),
}

/// The inputs named by `paths`, in order: files as given, directories walked recursively
/// for image files (sorted by name, so output order is stable).
pub fn expand(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => inputs.push(Input::Unusable(path.clone(), e.to_string())),
            Ok(meta) if meta.is_dir() => walk(path, &mut inputs),
            Ok(_) => inputs.push(Input::Image(path.clone())),
        }
    }
    inputs
}

fn walk(dir: &Path, inputs: &mut Vec<Input>) {
    let before = inputs.len();
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(entry) if entry.file_type().is_file() && has_image_extension(entry.path()) => {
                inputs.push(Input::Image(entry.into_path()));
            }
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let reason = e
                    .io_error()
                    .map_or_else(|| e.to_string(), |io| io.to_string());
                inputs.push(Input::Unusable(path, reason));
            }
        }
    }
    if inputs.len() == before {
        inputs.push(Input::Unusable(
            dir.to_path_buf(),
            format!(
                "no image files in this directory (looked for .{})",
                IMAGE_EXTENSIONS.join(", .")
            ),
        ));
    }
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directories_and_missing_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("digits/nested")).expect("mkdir");
        std::fs::create_dir(root.join("empty")).expect("mkdir");
        for name in [
            "digits/b.PNG",
            "digits/a.jpg",
            "digits/notes.txt",
            "digits/nested/c.webp",
        ] {
            std::fs::write(root.join(name), b"x").expect("write");
        }
        let explicit = root.join("digits/notes.txt");
        let missing = root.join("missing.png");
        let inputs = expand(&[
            explicit.clone(),
            root.join("digits"),
            missing.clone(),
            root.join("empty"),
        ]);
        assert_eq!(inputs.len(), 6, "{inputs:?}");
        assert_eq!(inputs[0], Input::Image(explicit));
        assert_eq!(inputs[1], Input::Image(root.join("digits/a.jpg")));
        assert_eq!(inputs[2], Input::Image(root.join("digits/b.PNG")));
        assert_eq!(inputs[3], Input::Image(root.join("digits/nested/c.webp")));
        assert!(matches!(&inputs[4], Input::Unusable(p, _) if *p == missing));
        assert!(
            matches!(&inputs[5], Input::Unusable(_, why) if why.starts_with("no image files")),
            "{:?}",
            inputs[5]
        );
    }
}
