// RUN: coco-opt %s --pass-pipeline="builtin.module(ownership-based-buffer-deallocation,func.func(coco-free-after-last-use))" | FileCheck %s
// RUN: coco-opt %s --pass-pipeline="builtin.module(ownership-based-buffer-deallocation,func.func(coco-free-after-last-use{at-block-end=true}))" | FileCheck %s --check-prefix=END

// Each temporary is freed right after its last use and leaves the
// end-of-block bufferization.dealloc, which keeps only the arguments (with
// false conditions, for the canonicalizer to drop).
// CHECK-LABEL: func @straight
// CHECK: %[[T:.*]] = memref.alloc()
// CHECK-NEXT: memref.copy %{{.*}}, %[[T]]
// CHECK-NEXT: memref.copy %[[T]], %{{.*}}
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK-NEXT: %[[U:.*]] = memref.alloc()
// CHECK-NEXT: memref.copy %{{.*}}, %[[U]]
// CHECK-NEXT: memref.copy %[[U]], %{{.*}}
// CHECK-NEXT: memref.dealloc %[[U]]
// CHECK-NOT: memref.dealloc
// CHECK: bufferization.dealloc (%{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} : memref<f32>, memref<f32>) if (%false{{.*}}, %false{{.*}})
// CHECK-NEXT: return
// With at-block-end, the same buffers are freed where the block ends, each
// with a memref.dealloc of its own, before what the list keeps.
// END-LABEL: func @straight
// END: %[[T:.*]] = memref.alloc()
// END-NEXT: memref.copy %{{.*}}, %[[T]]
// END-NEXT: memref.copy %[[T]], %{{.*}}
// END-NEXT: %[[U:.*]] = memref.alloc()
// END-NEXT: memref.copy %{{.*}}, %[[U]]
// END-NEXT: memref.copy %[[U]], %{{.*}}
// END-NOT: memref.dealloc
// END: memref.dealloc %[[T]]
// END-NEXT: memref.dealloc %[[U]]
// END-NEXT: bufferization.dealloc (%{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} : memref<f32>, memref<f32>) if (%false{{.*}}, %false{{.*}})
// END-NEXT: return
func.func @straight(%a: memref<8xf32>, %b: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32>
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  memref.copy %t, %b : memref<8xf32> to memref<8xf32>
  %u = memref.alloc() : memref<8xf32>
  memref.copy %b, %u : memref<8xf32> to memref<8xf32>
  memref.copy %u, %a : memref<8xf32> to memref<8xf32>
  return
}

func.func private @use(memref<8xf32>)

// A view read inside a loop keeps the buffer alive until the loop ends
// (the loop counts as a whole), not past the next call.
// CHECK-LABEL: func @view_and_loop
// CHECK: %[[T:.*]] = memref.alloc()
// CHECK-NEXT: %[[V:.*]] = memref.subview %[[T]]
// CHECK: scf.for
// CHECK: memref.load %[[V]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK: call @use
// CHECK-NOT: memref.dealloc
// CHECK: bufferization.dealloc (%{{[a-z_0-9]+}} : memref<f32>) if (%false{{.*}})
func.func @view_and_loop(%a: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = memref.alloc() : memref<8xf32>
  %v = memref.subview %t[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  func.call @use(%a) : (memref<8xf32>) -> ()
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %v[%c0] : memref<4xf32, strided<[1], offset: 2>>
    memref.store %x, %a[%i] : memref<8xf32>
  }
  func.call @use(%a) : (memref<8xf32>) -> ()
  return
}

// Returned: the buffer outlives the function; the dealloc keeps it (and
// retains it).
// CHECK-LABEL: func @returned
// CHECK-NOT: memref.dealloc
// CHECK: bufferization.dealloc (%{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} : memref<f32>, memref<f32>) if (%false{{.*}}, %true{{.*}}) retain
// END-LABEL: func @returned
// END-NOT: memref.dealloc
// END: bufferization.dealloc (%{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} : memref<f32>, memref<f32>) if (%false{{.*}}, %true{{.*}}) retain
func.func @returned(%a: memref<8xf32>) -> memref<8xf32> {
  %t = memref.alloc() : memref<8xf32>
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  return %t : memref<8xf32>
}

// Yielded out of a branch: the branch's dealloc keeps it.
// CHECK-LABEL: func @yielded
// CHECK-NOT: memref.dealloc
// CHECK: bufferization.dealloc (%{{[a-z_0-9]+}} : memref<f32>) if (%true{{.*}}) retain
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @yielded(%a: memref<8xf32>, %c: i1) {
  %r = scf.if %c -> memref<8xf32> {
    %t = memref.alloc() : memref<8xf32>
    memref.copy %a, %t : memref<8xf32> to memref<8xf32>
    scf.yield %t : memref<8xf32>
  } else {
    scf.yield %a : memref<8xf32>
  }
  memref.copy %r, %a : memref<8xf32> to memref<8xf32>
  return
}

// Its address leaves as a number: no telling when it is last used.
// CHECK-LABEL: func @pointer_taken
// CHECK-NOT: memref.dealloc
// CHECK: bufferization.dealloc (%{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} : memref<f32>, memref<f32>) if (%false{{.*}}, %true{{.*}})
func.func @pointer_taken(%a: memref<8xf32>) -> index {
  %t = memref.alloc() : memref<8xf32>
  %p = memref.extract_aligned_pointer_as_index %t : memref<8xf32> -> index
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  return %p : index
}

// Allocated in a loop body: freed in that body, after its last use there.
// CHECK-LABEL: func @in_loop
// CHECK: scf.for
// CHECK: %[[T:.*]] = memref.alloc()
// CHECK-NEXT: memref.copy %{{.*}}, %[[T]]
// CHECK-NEXT: memref.copy %[[T]], %{{.*}}
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK-NOT: memref.dealloc
// CHECK: }
func.func @in_loop(%a: memref<8xf32>, %b: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<8xf32>
    memref.copy %a, %t : memref<8xf32> to memref<8xf32>
    memref.copy %t, %b : memref<8xf32> to memref<8xf32>
  }
  return
}

// A non-blocking all_reduce still writes its buffer after it returns: the
// wait uses its request, so the free comes after the wait even where the
// wait does not name the buffer.
coco.grid @g(shape = [2])
// CHECK-LABEL: func @nonblocking
// CHECK: %[[T:.*]] = memref.alloc()
// CHECK-NEXT: %[[R:.*]] = coco.comm.iall_reduce sum %{{.*}} into %[[T]]
// CHECK-NEXT: memref.copy
// CHECK-NEXT: coco.comm.wait %[[R]]
// CHECK-NEXT: memref.dealloc %[[T]]
func.func @nonblocking(%a: memref<8xf32>, %b: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32>
  %r = coco.comm.iall_reduce sum %a into %t on @g[0] : memref<8xf32>, memref<8xf32>
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  coco.comm.wait %r, %a, %b : memref<8xf32>, memref<8xf32>
  return
}

func.func private @keeps(memref<8xf32>)

// A call declares no memory effects: it may keep the pointer, so the
// buffer stays in the end-of-block list.
// CHECK-LABEL: func @passed_to_call
// CHECK-NOT: memref.dealloc
// CHECK: bufferization.dealloc (%{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} : memref<f32>, memref<f32>) if (%false{{.*}}, %true{{.*}})
func.func @passed_to_call(%a: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32>
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  func.call @keeps(%t) : (memref<8xf32>) -> ()
  return
}

// Carried through a loop: the loop's results may be the buffer, and the
// deallocation lists them, so the buffer stays in the list too.
// CHECK-LABEL: func @loop_carried
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @loop_carried(%a: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = memref.alloc() : memref<8xf32>
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %t) -> memref<8xf32> {
    scf.yield %x : memref<8xf32>
  }
  memref.copy %r, %a : memref<8xf32> to memref<8xf32>
  return
}
