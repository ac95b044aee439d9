//! The four files of an MNIST-format dataset: their names and sizes (each dataset's digests
//! are in [`crate::datasets`]).

use std::fmt;

/// One of the four files of MNIST and of every drop-in dataset of [`crate::Dataset::ALL`]
/// (IDX format, uncompressed; same names and sizes in all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MnistFile {
    /// 60 000 training images, 28×28 u8.
    TrainImages,
    /// 60 000 training labels, u8 0..=9.
    TrainLabels,
    /// 10 000 test images, 28×28 u8.
    TestImages,
    /// 10 000 test labels, u8 0..=9.
    TestLabels,
}

impl MnistFile {
    /// All four files, in the order they are fetched and reported.
    pub const ALL: [MnistFile; 4] = [
        MnistFile::TrainImages,
        MnistFile::TrainLabels,
        MnistFile::TestImages,
        MnistFile::TestLabels,
    ];

    /// The canonical file name, as the original distribution and every mirror use it.
    pub fn file_name(self) -> &'static str {
        match self {
            MnistFile::TrainImages => "train-images-idx3-ubyte",
            MnistFile::TrainLabels => "train-labels-idx1-ubyte",
            MnistFile::TestImages => "t10k-images-idx3-ubyte",
            MnistFile::TestLabels => "t10k-labels-idx1-ubyte",
        }
    }

    /// Names under which a user-supplied directory may hold this file: the canonical one,
    /// the dotted variant some redistributions use (`train-images.idx3-ubyte`), each raw or `.gz`.
    pub fn accepted_names(self) -> [String; 4] {
        let canonical = self.file_name();
        let dotted = canonical.replacen("-idx", ".idx", 1);
        [
            canonical.to_string(),
            format!("{canonical}.gz"),
            dotted.clone(),
            format!("{dotted}.gz"),
        ]
    }

    /// Size in bytes of the uncompressed file.
    pub fn size(self) -> u64 {
        match self {
            MnistFile::TrainImages => 47_040_016,
            MnistFile::TrainLabels => 60_008,
            MnistFile::TestImages => 7_840_016,
            MnistFile::TestLabels => 10_008,
        }
    }

    /// Whether the file holds images (rank-3 IDX) rather than labels (rank-1 IDX).
    pub fn holds_images(self) -> bool {
        matches!(self, MnistFile::TrainImages | MnistFile::TestImages)
    }

    /// Position in [`MnistFile::ALL`], used to index per-file arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for MnistFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.file_name())
    }
}

/// Number of training images in MNIST.
pub const TRAIN_LEN: usize = 60_000;
/// Number of test images in MNIST.
pub const TEST_LEN: usize = 10_000;
/// Image side in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Pixels per image (28 × 28), the model's input width.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Number of classes (digits 0..=9).
pub const NUM_CLASSES: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_headers_and_counts() {
        assert_eq!(
            MnistFile::TrainImages.size(),
            16 + (TRAIN_LEN * IMAGE_PIXELS) as u64
        );
        assert_eq!(
            MnistFile::TestImages.size(),
            16 + (TEST_LEN * IMAGE_PIXELS) as u64
        );
        assert_eq!(MnistFile::TrainLabels.size(), 8 + TRAIN_LEN as u64);
        assert_eq!(MnistFile::TestLabels.size(), 8 + TEST_LEN as u64);
    }

    #[test]
    fn accepted_names_cover_dotted_and_gzip_variants() {
        let names = MnistFile::TrainImages.accepted_names();
        assert!(names.contains(&"train-images-idx3-ubyte.gz".to_string()));
        assert!(names.contains(&"train-images.idx3-ubyte".to_string()));
    }

    #[test]
    fn indices_follow_the_order_of_all() {
        assert_eq!(
            MnistFile::ALL.iter().map(|f| f.index()).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }
}
