pub mod convert;
pub mod embed;
pub mod inspect;
pub mod load;
