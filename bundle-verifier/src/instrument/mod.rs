//! The instrument side: apply a verified bundle to the instrument's root
//! through a journal, keep backups, sign receipts with the device key, roll
//! back, check what is installed and scan a stick. Reads bundles only through
//! [`crate::verify`]; every operating-system call goes through
//! [`crate::platform`].

pub mod actions;
pub mod check;
mod commit;
pub mod config;
pub mod export;
pub mod identity;
pub mod install;
pub mod intact;
pub mod journal;
pub mod known;
mod plan;
pub mod receipt;
pub mod rollback;
pub mod scan;
pub mod state;
mod switch;
pub mod usb;
