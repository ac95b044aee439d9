//! Any bytes through the Keras reader (`mnist-keras`): container sniffing, zip, HDF5 (via
//! `hdf5-pure`), the model config, the layer assembly. A finding is a panic, an overflow or a
//! runaway allocation; an error is the expected answer to garbage.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = mnist_keras::Container::sniff(bytes);
    let _ = mnist_keras::is_keras_archive(std::io::Cursor::new(bytes));
    if let Ok(model) = mnist_keras::read(bytes) {
        for layer in &model.layers {
            assert_eq!(layer.kernel.len(), layer.inputs * layer.units, "{}", layer.name);
            assert_eq!(layer.bias.len(), layer.units, "{}", layer.name);
        }
    }
});
