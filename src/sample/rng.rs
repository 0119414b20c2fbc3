//! The generator's random numbers: SplitMix64, written out here so that the
//! same seed gives the same stream on every machine and every Rust version
//! (no floating point, no platform maths, no third-party crate).

/// A SplitMix64 generator (Steele, Lea and Flood, 2014): a 64-bit counter
/// passed through a mixing function.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// An independent stream for one part of the data, so that the parts do
    /// not shift each other when one of them draws more or fewer numbers.
    pub fn stream(seed: u64, label: &str) -> Rng {
        // FNV-1a of the label, then one mixing step so nearby seeds diverge.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in label.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut rng = Rng::new(seed ^ hash);
        rng.state = rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by Lemire's multiply-shift; the bias is
    /// below 2^-40 for the small ranges used here.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `ppm` parts per million.
    pub fn chance(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm)
    }

    /// One item, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given integer weights (not all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut target = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if target < u64::from(w) {
                return i;
            }
            target -= u64::from(w);
        }
        unreachable!("target below the total weight")
    }

    /// A whole number with mean `milli / 1000`: the integer part always, plus
    /// one more with the fraction as probability.
    pub fn count(&mut self, milli: u64) -> u64 {
        milli / 1000 + u64::from(self.chance(((milli % 1000) * 1000) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_stream() {
        // The reference C implementation seeded with 0 gives these first outputs.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn streams_differ_by_label_and_seed() {
        let a = Rng::stream(7, "logins").next_u64();
        assert_ne!(a, Rng::stream(7, "visits").next_u64());
        assert_ne!(a, Rng::stream(8, "logins").next_u64());
        assert_eq!(a, Rng::stream(7, "logins").next_u64());
    }

    #[test]
    fn ranges_stay_in_bounds_and_cover_them() {
        let mut rng = Rng::new(1);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = rng.range(-2, 2);
            assert!((-2..=2).contains(&v));
            seen[(v + 2) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn weights_and_chances_give_their_proportions() {
        let mut rng = Rng::new(2);
        let mut hits = [0u32; 3];
        for _ in 0..30_000 {
            hits[rng.weighted(&[1, 0, 2])] += 1;
        }
        assert_eq!(hits[1], 0);
        // Expected 10,000 and 20,000; allow 3% either way.
        assert!((9_700..10_300).contains(&hits[0]), "{hits:?}");
        assert!((19_400..20_600).contains(&hits[2]), "{hits:?}");
        let yes = (0..100_000).filter(|_| rng.chance(250_000)).count();
        assert!((24_250..25_750).contains(&yes), "{yes}");
        let total: u64 = (0..10_000).map(|_| rng.count(2_300)).sum();
        assert!((22_700..23_300).contains(&total), "{total}");
        assert!(!rng.chance(0));
        assert!(rng.chance(1_000_000));
    }
}
