//! A small discrete-event simulation kernel, free of any care concept.
//!
//! - [`Simulation`]: the clock and the event calendar. A [`Model`] handles each event in time
//!   order (ties in the order they were scheduled) and schedules more.
//! - [`Streams`]: one seeded random stream per purpose, so changing one part of a model does not
//!   reshuffle the numbers another part draws.
//!   [`Streams::entity`] gives each entity its own small stream per purpose ([`EntityRng`]), so
//!   what an entity draws does not depend on the order in which events happen (common random
//!   numbers that pair across scenarios).
//! - [`Dist`]: fixed, exponential, lognormal, gamma and empirical distributions.
//! - [`Resource`]: units with a capacity that may change over time, and a FIFO or priority
//!   queue of waiting entities. An entity can hold one resource while it waits for another
//!   (blocking): holding is the model's choice, the kernel never releases on its own.
//! - [`Pool`]: a divisible amount (hours of care a week) handed out first come, first served.
//! - [`stats`]: tallies (waits) and time-weighted averages (queue lengths, occupancy), and
//!   confidence intervals over replications.
//!
//! ```
//! use sim_kernel::{Model, Simulation, Scheduler, Time};
//! struct Count(u32);
//! impl Model for Count {
//!     type Event = ();
//!     fn handle(&mut self, s: &mut Scheduler<()>, _: ()) {
//!         self.0 += 1;
//!         s.schedule_in(1.0, ());
//!     }
//! }
//! let mut sim = Simulation::new(Count(0));
//! sim.schedule_at(Time(0.0), ());
//! sim.run_until(Time(9.5));
//! assert_eq!(sim.model().0, 10);
//! ```

mod calendar;
mod dist;
mod pool;
mod resource;
pub mod stats;
mod streams;

pub use calendar::{Model, Scheduler, Simulation, Time};
pub use dist::{Dist, DistError};
pub use pool::Pool;
pub use resource::{Discipline, Resource};
pub use streams::{EntityRng, Purpose, Streams};
