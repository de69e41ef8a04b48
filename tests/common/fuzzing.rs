//! What the fuzz tests share: a small deterministic generator (xorshift64*: the same seed gives
//! the same inputs on every machine) and the run's size.

#![allow(dead_code)]

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutations per seed (or tens of generated files): 40 unless `ADVLENS_FUZZ_ITERATIONS` says.
pub fn iterations() -> usize {
    std::env::var("ADVLENS_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40)
}
