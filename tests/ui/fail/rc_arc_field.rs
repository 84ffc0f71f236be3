use std::rc::Rc;
use std::sync::Arc;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Shared {
    config: Arc<[u8; 16]>,
    cache: Rc<u64>,
}

fn main() {}
