//! A bounded load test on 127.0.0.1: `/api/predict` with a canvas-sized drawing, from 1, 8
//! and 64 concurrent clients. It prints throughput and latency percentiles (the figures in
//! BENCHMARKS.md come from running it alone: `cargo test --release -p mnist-serve --test
//! studio load -- --nocapture`) and asserts only that no request failed: timings are
//! reported, never asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat};

use crate::fixtures::{MNIST_RUN, runs};
use crate::server::{Server, agent, post};
use crate::support::{self, encoded, inverted, upscaled};

/// (clients, requests in all) for each level.
const LEVELS: [(usize, usize); 3] = [(1, 300), (8, 1000), (64, 2000)];

#[test]
fn predict_holds_under_64_concurrent_clients() {
    let server = Server::start(runs(), &[]);
    let url = Arc::new(server.url(&format!("/api/predict?run={MNIST_RUN}")));
    // What the draw page sends: a 280×280 PNG of black ink on white.
    let drawings: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..16)
            .map(|i| {
                let digit = inverted(upscaled(&support::test_digit(i), 280));
                encoded(DynamicImage::ImageLuma8(digit), ImageFormat::Png)
            })
            .collect(),
    );
    // Load the model before timing.
    assert_eq!(post(&agent(), &url, "image/png", &drawings[0]).status, 200);
    println!("load test: POST /api/predict, 280×280 PNG drawings, 127.0.0.1");
    println!("| clients | requests | errors | requests/s | p50 ms | p99 ms | max ms |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (clients, requests) in LEVELS {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (url, drawings, next) =
                    (Arc::clone(&url), Arc::clone(&drawings), Arc::clone(&next));
                std::thread::spawn(move || {
                    let agent = agent();
                    let mut latencies = Vec::new();
                    let mut errors = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= requests {
                            break;
                        }
                        let sent = Instant::now();
                        let answer = post(&agent, &url, "image/png", &drawings[i % drawings.len()]);
                        latencies.push(sent.elapsed());
                        if answer.status != 200 {
                            errors.push(format!("{} {:?}", answer.status, answer.json));
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut latencies: Vec<Duration> = Vec::with_capacity(requests);
        let mut errors = Vec::new();
        for worker in workers {
            let (l, e) = worker.join().expect("client thread");
            latencies.extend(l);
            errors.extend(e);
        }
        let elapsed = started.elapsed();
        latencies.sort();
        let at = |q: f64| {
            latencies[((latencies.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3
        };
        println!(
            "| {clients} | {requests} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
            errors.len(),
            requests as f64 / elapsed.as_secs_f64(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
        assert!(
            errors.is_empty(),
            "{clients} clients: {} errors, first {}",
            errors.len(),
            errors[0]
        );
        assert_eq!(latencies.len(), requests);
    }
}
