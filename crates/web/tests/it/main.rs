//! The service's integration suite: the JSON API and the pages driven over real HTTP, as a
//! client would, against a fresh store per test on every back end of [`harness::backends`].

mod harness;

mod audit;
mod events;
mod hostile;
mod indicator_api;
mod pages;
mod people;
mod plans;
mod security;
mod session;
