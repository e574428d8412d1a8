//! The static tier: a table of token vectors distilled from a model, and the embedder that looks
//! texts up in it (no transformer at query time).

pub mod corpus;
pub mod distill;
pub mod embed;
pub mod fit;
pub mod learn;
pub(crate) mod pca;
pub mod pretokenize;
