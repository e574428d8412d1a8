//! Packs tokenised inputs into llama.cpp batches. Inputs are sorted by length so that batches hold
//! similar lengths (in a non-causal batch every token attends over the whole batch behind a mask,
//! so mixing one long input with many short ones wastes work), then filled greedily up to the
//! token and sequence limits of the context.

/// One llama.cpp call: indices into the caller's inputs.
pub type Batch = Vec<usize>;

/// `lengths[i]` is input i's token count, each already at most `max_tokens`. A batch holds about
/// `aim` tokens, or its longest input alone where that is longer, never over `max_tokens`.
pub fn pack(lengths: &[usize], aim: usize, max_tokens: usize, max_seqs: usize) -> Vec<Batch> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    let mut batches: Vec<Batch> = Vec::new();
    let mut current: Batch = Vec::new();
    let mut tokens = 0;
    let mut limit = 0;
    for i in order {
        let n = lengths[i];
        if current.is_empty() {
            // Sorted longest first: the first input is the batch's longest.
            limit = aim.max(n).min(max_tokens);
        } else if tokens + n > limit || current.len() == max_seqs {
            batches.push(std::mem::take(&mut current));
            tokens = 0;
            limit = aim.max(n).min(max_tokens);
        }
        current.push(i);
        tokens += n;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_limits_and_cover_every_input_once() {
        let lengths = [5, 500, 12, 12, 300, 1, 200, 9, 512, 40];
        let batches = pack(&lengths, 512, 512, 3);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
        for b in &batches {
            assert!(b.len() <= 3);
            assert!(b.iter().map(|&i| lengths[i]).sum::<usize>() <= 512, "{b:?}");
        }
        assert_eq!(batches[0], vec![8]);
        assert!(pack(&[], 512, 512, 4).is_empty());
    }

    #[test]
    fn a_batch_is_sized_to_its_longest_input_not_the_rounds() {
        // A context of 2048 tokens: one long input does not make every batch 2048 tokens wide
        // (every token of a batch attends over the whole batch behind a mask).
        let mut lengths = vec![2000];
        lengths.extend([100; 30]);
        let batches = pack(&lengths, 512, 2048, 256);
        assert_eq!(batches[0], vec![0]);
        for b in &batches[1..] {
            assert!(b.iter().map(|&i| lengths[i]).sum::<usize>() <= 512, "{b:?}");
        }
        assert_eq!(batches.len(), 1 + 30usize.div_ceil(5));
    }
}
