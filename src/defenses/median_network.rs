//! The median of a `size × size` neighbourhood as a selection network: element-wise minima and
//! maxima of shifted copies of the image, no sort.
//!
//! The network is Batcher's odd-even merge sort of the neighbourhood's `size²` values, pruned
//! backwards to the compare-exchanges the middle output depends on (and, in each, to the half
//! of the exchange that is used): for a 3×3 neighbourhood, 24 compare-exchanges (40 minima and
//! maxima). It replaced a sort along a tensor axis, which was about twice as slow on Burn's CPU
//! backend for one 128×128 scan: 1.15 → 0.68 ms at 3×3, 7.0 → 2.7 ms at 5×5, 31 → 15 ms at 9×9
//! (docs/performance.md). The values are the sort's exactly: a network only moves values.

use burn::tensor::Tensor;

/// One compare-exchange: after it, wire `low` holds the smaller value and wire `high` the
/// larger, each written only when a later step (or the output) reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exchange {
    low: usize,
    high: usize,
    keep_low: bool,
    keep_high: bool,
}

/// Batcher's odd-even merge sort of `count` wires (the network for the next power of two,
/// without the exchanges that touch a wire past `count`: those wires would hold +∞, which
/// never moves).
fn odd_even_merge_sort(count: usize) -> Vec<(usize, usize)> {
    let wires = count.next_power_of_two();
    let mut exchanges = Vec::new();
    // Sorted runs of `run` wires are merged in pairs; within a merge, wires `distance` apart
    // are compared, for halving distances.
    let mut run = 1;
    while run < wires {
        let mut distance = run;
        while distance >= 1 {
            let mut start = distance % run;
            while start + distance < wires {
                for offset in 0..distance.min(wires - start - distance) {
                    let (low, high) = (start + offset, start + offset + distance);
                    if low / (2 * run) == high / (2 * run) && high < count {
                        exchanges.push((low, high));
                    }
                }
                start += 2 * distance;
            }
            distance /= 2;
        }
        run *= 2;
    }
    exchanges
}

/// The exchanges that wire `output` of the sorted result depends on, in order.
fn selection_network(count: usize, output: usize) -> Vec<Exchange> {
    let mut needed = vec![false; count];
    if let Some(wire) = needed.get_mut(output) {
        *wire = true;
    }
    let mut kept = Vec::new();
    for (low, high) in odd_even_merge_sort(count).into_iter().rev() {
        let (keep_low, keep_high) = (needed[low], needed[high]);
        if keep_low || keep_high {
            kept.push(Exchange {
                low,
                high,
                keep_low,
                keep_high,
            });
            needed[low] = true;
            needed[high] = true;
        }
    }
    kept.reverse();
    kept
}

/// The median of each `size × size` window of `padded` (`[b, c, h + size − 1, w + size − 1]`,
/// already padded by `size / 2` on every side), as `[b, c, h, w]`.
pub(super) fn windowed_median(padded: &Tensor<4>, size: usize) -> Tensor<4> {
    let [batch, channels, padded_height, padded_width] = padded.dims();
    let (height, width) = (padded_height + 1 - size, padded_width + 1 - size);
    let mut wires: Vec<Tensor<4>> = (0..size * size)
        .map(|tap| {
            let (dy, dx) = (tap / size, tap % size);
            padded
                .clone()
                .slice([0..batch, 0..channels, dy..dy + height, dx..dx + width])
        })
        .collect();
    for exchange in selection_network(size * size, size * size / 2) {
        let low = wires[exchange.low].clone();
        let high = wires[exchange.high].clone();
        if exchange.keep_high {
            wires[exchange.high] = low.clone().max_pair(high.clone());
        }
        if exchange.keep_low {
            wires[exchange.low] = low.min_pair(high);
        }
    }
    wires.swap_remove(size * size / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a network to plain numbers.
    fn run(exchanges: &[(usize, usize)], values: &mut [u32]) {
        for &(low, high) in exchanges {
            if values[low] > values[high] {
                values.swap(low, high);
            }
        }
    }

    /// Every 0/1 input (the zero-one principle: a network that sorts them sorts everything).
    fn sorts_every_binary_input(count: usize) -> bool {
        let network = odd_even_merge_sort(count);
        (0u32..1 << count).all(|bits| {
            let mut values: Vec<u32> = (0..count).map(|i| (bits >> i) & 1).collect();
            run(&network, &mut values);
            values.windows(2).all(|pair| pair[0] <= pair[1])
        })
    }

    #[test]
    fn the_merge_sort_network_sorts_every_binary_input() {
        for count in [1, 2, 3, 5, 9, 12, 16] {
            assert!(sorts_every_binary_input(count), "{count} wires");
        }
    }

    #[test]
    fn the_pruned_network_selects_the_median_of_every_binary_input() {
        for count in [9, 15] {
            let network = selection_network(count, count / 2);
            for bits in 0u32..1 << count {
                let values: Vec<u32> = (0..count).map(|i| (bits >> i) & 1).collect();
                let mut wires = values.clone();
                for exchange in &network {
                    let (a, b) = (wires[exchange.low], wires[exchange.high]);
                    if exchange.keep_low {
                        wires[exchange.low] = a.min(b);
                    }
                    if exchange.keep_high {
                        wires[exchange.high] = a.max(b);
                    }
                }
                let mut sorted = values;
                sorted.sort_unstable();
                assert_eq!(
                    wires[count / 2],
                    sorted[count / 2],
                    "{count} wires, {bits:b}"
                );
            }
        }
    }

    #[test]
    fn the_three_by_three_network_is_pruned() {
        let network = selection_network(9, 4);
        assert_eq!(network.len(), 24);
        let operations: usize = network
            .iter()
            .map(|e| usize::from(e.keep_low) + usize::from(e.keep_high))
            .sum();
        assert_eq!(operations, 40);
    }
}
