//! Simulated cameras for the demo, the training sandbox and analytics tests.
//!
//! A [`scene::Scene`] draws a synthetic street (people walking, a crowd forming, a bag of
//! garbage left, a stall set up, a car parking) directly in I420 and knows its own
//! ground truth: what happens when, and where. [`encode::encode_clip`] encodes a loop once
//! with openh264 into [`palmgrid_media::Frame`]s that are then replayed with fresh
//! timestamps, so a dozen cameras cost a dozen sends, not a dozen encoders.

pub mod demo;
pub mod encode;
pub mod scene;
