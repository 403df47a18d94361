//! A replica's KV cache: capacity and use counted in fixed-size blocks, as
//! paged engines (vLLM's PagedAttention, TensorRT-LLM's paged KV cache)
//! allocate it. A sequence holds the blocks its tokens need,
//! `ceil(tokens / block_tokens)`; the cache owns the block count, the
//! sequence its token count ([`Seq::kv_reserved`](super::Seq)).
//!
//! The replica owns its cache; batchers admit, grow and release sequences
//! through it. Block size 1 ([`TOKEN_BLOCKS`]) is exact per-token
//! accounting, what the simulation uses today; a prefix cache extends this
//! component with block identities.

/// One token per block: exact per-token accounting.
pub const TOKEN_BLOCKS: u32 = 1;

/// Blocks of KV cache on one replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvCache {
    /// Tokens per block as a power of two: `1 << block_shift`.
    block_shift: u32,
    /// `(1 << block_shift) - 1`: the offset of a token in its block.
    block_mask: u64,
    capacity_blocks: u64,
    used_blocks: u64,
}

impl KvCache {
    /// A cache that holds `capacity_tokens` tokens (rounded down to whole
    /// blocks) in blocks of `block_tokens`, a power of two as engines use
    /// (vLLM 16, TensorRT-LLM 32 or 64; another size is rounded down to
    /// one). Block arithmetic is shifts and masks: O(1), no division.
    pub fn new(capacity_tokens: u64, block_tokens: u32) -> KvCache {
        let block_shift = block_tokens.max(1).ilog2();
        KvCache {
            block_shift,
            block_mask: (1u64 << block_shift) - 1,
            capacity_blocks: capacity_tokens >> block_shift,
            used_blocks: 0,
        }
    }

    /// Blocks that hold `tokens`.
    #[inline]
    fn blocks(&self, tokens: u64) -> u64 {
        (tokens + self.block_mask) >> self.block_shift
    }

    /// Tokens the cache holds when full.
    #[inline]
    pub fn capacity_tokens(&self) -> u64 {
        self.capacity_blocks << self.block_shift
    }

    /// Tokens' worth of blocks in use.
    #[inline]
    pub fn used_tokens(&self) -> u64 {
        self.used_blocks << self.block_shift
    }

    /// Tokens' worth of free blocks.
    #[inline]
    pub fn free_tokens(&self) -> u64 {
        (self.capacity_blocks - self.used_blocks) << self.block_shift
    }

    /// Share of blocks in use, 0..1.
    pub fn occupancy(&self) -> f64 {
        if self.capacity_blocks == 0 {
            0.0
        } else {
            self.used_blocks as f64 / self.capacity_blocks as f64
        }
    }

    /// Whether a sequence holding `held` tokens can grow by `more`.
    #[inline]
    pub fn fits(&self, held: u64, more: u64) -> bool {
        self.blocks(held + more) - self.blocks(held) <= self.capacity_blocks - self.used_blocks
    }

    /// Grows a sequence holding `*held` tokens by `more` (the caller
    /// checked [`fits`](Self::fits)): takes the new blocks it needs.
    ///
    /// Overcommitting is an accounting error, never input: debug builds
    /// assert it, and release builds (overflow checks on) fail at the next
    /// free-space query.
    #[inline]
    pub fn grow(&mut self, held: &mut u64, more: u64) {
        let new = self.blocks(*held + more) - self.blocks(*held);
        debug_assert!(
            self.used_blocks + new <= self.capacity_blocks,
            "KV cache overcommitted"
        );
        self.used_blocks += new;
        *held += more;
    }

    /// Grows a sequence holding `*held` tokens by one (a decode step): a
    /// new block only when the held tokens fill their last one. The hot
    /// path of every decode step: a mask test and two additions.
    #[inline]
    pub fn grow_one(&mut self, held: &mut u64) {
        if *held & self.block_mask == 0 {
            debug_assert!(
                self.used_blocks < self.capacity_blocks,
                "KV cache overcommitted"
            );
            self.used_blocks += 1;
        }
        *held += 1;
    }

    /// Frees every block of a sequence holding `*held` tokens.
    #[inline]
    pub fn release(&mut self, held: &mut u64) {
        self.used_blocks -= self.blocks(*held);
        *held = 0;
    }

    /// Frees every block (the replica's instance is gone).
    pub fn clear(&mut self) {
        self.used_blocks = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_token_blocks_count_tokens_exactly() {
        let mut kv = KvCache::new(100, TOKEN_BLOCKS);
        let mut held = 0;
        assert!(kv.fits(held, 100) && !kv.fits(held, 101));
        kv.grow(&mut held, 60);
        kv.grow_one(&mut held);
        assert_eq!((held, kv.used_tokens(), kv.free_tokens()), (61, 61, 39));
        kv.release(&mut held);
        assert_eq!((held, kv.used_tokens()), (0, 0));
    }

    #[test]
    fn sixteen_token_blocks_round_each_sequence_up() {
        // 100 tokens hold 6 blocks of 16 (96 tokens).
        let mut kv = KvCache::new(100, 16);
        assert_eq!(kv.capacity_tokens(), 96);
        let (mut a, mut b) = (0, 0);
        kv.grow(&mut a, 17); // 2 blocks
        kv.grow(&mut b, 1); // 1 block
        assert_eq!(kv.used_tokens(), 48);
        assert!(kv.fits(a, 15), "the 2nd block has room for 15 more");
        kv.grow(&mut a, 14);
        kv.grow_one(&mut a);
        assert_eq!(kv.used_tokens(), 48, "the 32nd token fills the 2nd block");
        kv.grow_one(&mut a);
        assert_eq!(kv.used_tokens(), 64, "the 33rd opens a 3rd");
        kv.release(&mut a);
        kv.grow(&mut a, 32);
        assert!(kv.fits(a, 48) && !kv.fits(a, 49), "3 blocks free");
        kv.release(&mut a);
        assert_eq!(kv.used_tokens(), 16);
        assert!((kv.occupancy() - 1.0 / 6.0).abs() < 1e-12);
        kv.clear();
        assert_eq!(kv.free_tokens(), 96);
    }
}
