//! Thin handlers: extract, call the app layer (which authorises), map to a view.

pub mod audit;
pub mod auth;
pub mod buildings;
pub mod cameras;
pub mod cases;
pub mod community;
pub mod grids;
pub mod live;
pub mod open311;
pub mod recordings;
pub mod regions;
pub mod service;
pub mod users;
