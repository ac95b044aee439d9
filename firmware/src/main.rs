//! The int8 MNIST MLP on a Cortex-M, in QEMU: classifies the test images `build.rs` embedded,
//! prints each misclassified one and any image whose logits differ from the host's, then the
//! accuracy, the instructions per image (SysTick under `-icount shift=0`, see README.md) and the
//! stack used, and exits QEMU through semihosting (failure below `MNIST_MIN_ACCURACY`).

#![no_std]
#![no_main]

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use mnist_int8::{INPUT_LEN, Int8Mlp};
use panic_semihosting as _;

/// The model, the images, their labels and the host's logits (`$OUT_DIR/model.rs`).
#[allow(clippy::all, missing_docs)]
mod data {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

/// SysTick counts down through 24 bits.
const SYSTICK_MASK: u32 = 0x00FF_FFFF;
/// Iterations of the calibration loop (two instructions each).
const CALIBRATION_LOOPS: u32 = 1_000_000;

#[entry]
fn main() -> ! {
    let Some(mut peripherals) = cortex_m::Peripherals::take() else {
        exit(false, "peripherals already taken");
    };
    let syst = &mut peripherals.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYSTICK_MASK);
    syst.clear_current();
    syst.enable_counter();
    let elapsed =
        |start: u32| start.wrapping_sub(cortex_m::peripheral::SYST::get_current()) & SYSTICK_MASK;

    // How many instructions one SysTick tick is: `delay(n)` runs `subs; bne` n + 1 times.
    let start = cortex_m::peripheral::SYST::get_current();
    cortex_m::asm::delay(CALIBRATION_LOOPS);
    let calibration_ticks = elapsed(start).max(1);
    let calibration_instructions = 2 * (u64::from(CALIBRATION_LOOPS) + 1);

    let model = match Int8Mlp::new(&data::LAYERS) {
        Ok(model) => model,
        Err(e) => {
            hprintln!("the embedded model is invalid: {}", e);
            exit(false, "invalid model");
        }
    };
    hprintln!(
        "model {} ({}), {} test images",
        data::ARCHITECTURE,
        data::MODEL_FILE,
        data::IMAGE_COUNT
    );

    let (mut correct, mut host_mismatches) = (0u32, 0u32);
    let (mut total_ticks, mut min_ticks, mut max_ticks) = (0u64, u32::MAX, 0u32);
    let images = data::IMAGES.chunks_exact(INPUT_LEN);
    for (i, ((image, &label), host)) in images
        .zip(data::LABELS.iter())
        .zip(data::HOST_LOGITS.iter())
        .enumerate()
    {
        let Ok(pixels) = <&[u8; INPUT_LEN]>::try_from(image) else {
            continue;
        };
        let start = cortex_m::peripheral::SYST::get_current();
        let reading = model.classify_pixels(pixels);
        let ticks = elapsed(start);
        total_ticks += u64::from(ticks);
        min_ticks = min_ticks.min(ticks);
        max_ticks = max_ticks.max(ticks);
        if usize::from(label) == reading.class {
            correct += 1;
        } else {
            hprintln!(
                "misclassified: image {} is a {}, read as {}",
                i,
                label,
                reading.class
            );
        }
        if reading.logits != *host {
            host_mismatches += 1;
            hprintln!(
                "image {}: logits {:?} differ from the host's {:?}",
                i,
                reading.logits,
                host
            );
        }
    }

    let total = data::IMAGE_COUNT as u32;
    // Hundredths of a percent, rounded half up (as the host's `{:.2}` prints it).
    let basis_points = (correct * 10_000 + total / 2) / total.max(1);
    hprintln!(
        "accuracy: {}.{:02} % ({}/{})",
        basis_points / 100,
        basis_points % 100,
        correct,
        total
    );
    hprintln!(
        "host agreement: {} of {} images with bit-identical logits",
        total - host_mismatches,
        total
    );
    // instructions = ticks · calibration_instructions / calibration_ticks
    let per_image = |ticks: u64| ticks * calibration_instructions / u64::from(calibration_ticks);
    hprintln!(
        "instructions per image: {} average, {} min, {} max ({} SysTick ticks average; \
         calibration: {} instructions = {} ticks)",
        per_image(total_ticks) / u64::from(total.max(1)),
        per_image(u64::from(min_ticks)),
        per_image(u64::from(max_ticks)),
        total_ticks / u64::from(total.max(1)),
        calibration_instructions,
        calibration_ticks
    );
    let (stack, region) = stack_usage();
    hprintln!(
        "stack: {} bytes used of the {} between .bss and the top of RAM",
        stack,
        region
    );
    // The threshold comes from the build (MNIST_MIN_ACCURACY), 0 unless set.
    #[allow(clippy::absurd_extreme_comparisons)]
    let passed = basis_points >= data::MIN_ACCURACY_BASIS_POINTS && host_mismatches == 0;
    exit(
        passed,
        "accuracy below MNIST_MIN_ACCURACY or logits differ from the host's",
    );
}

/// The deepest the stack has reached, and the room it has: cortex-m-rt's `paint-stack` filled
/// everything between `_stack_end` (the end of .bss) and `_stack_start` (the top of RAM) with
/// `STACK_PAINT_VALUE`; the lowest word no longer holding it is the high-water mark.
fn stack_usage() -> (usize, usize) {
    unsafe extern "C" {
        static _stack_end: u32;
        static _stack_start: u32;
    }
    let bottom = (&raw const _stack_end) as usize;
    let top = (&raw const _stack_start) as usize;
    let mut address = bottom;
    while address < top {
        // SAFETY: every word from _stack_end up to _stack_start is RAM that cortex-m-rt
        // painted at reset and the stack owns; a volatile read of it changes nothing.
        let word = unsafe { core::ptr::read_volatile(address as *const u32) };
        if word != cortex_m_rt::STACK_PAINT_VALUE {
            break;
        }
        address += 4;
    }
    (top - address, top - bottom)
}

/// Ends the QEMU run: exit status 0 when `success`, 1 otherwise.
fn exit(success: bool, why: &str) -> ! {
    if !success {
        hprintln!("FAILED: {}", why);
    }
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Without a debugger or QEMU, semihosting cannot exit: stop here.
    loop {
        cortex_m::asm::wfi();
    }
}
