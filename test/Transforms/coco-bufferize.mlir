// RUN: coco-opt %s --coco-bufferize --split-input-file | FileCheck %s
// coco-bufferize is upstream's one-shot module bufferization with the
// options coco's pipelines gave it; only the way the arguments' marks go
// differs, so the output must be upstream's, byte for byte.
// RUN: coco-opt %s --coco-bufferize --split-input-file -o %t.coco
// RUN: coco-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map allow-return-allocs-from-loops" --split-input-file -o %t.upstream
// RUN: diff %t.coco %t.upstream
// RUN: coco-opt %s --coco-bufferize --ownership-based-buffer-deallocation --coco-free-after-last-use --coco-canonicalize --coco-lower-deallocations --split-input-file | FileCheck %s --check-prefix=DEALLOC

// The analysis reads the marks (coco-localize sets them): %w is written in
// place, a write into %g goes to a copy, and %m, unmarked, is writable (the
// default). No argument keeps a mark; the other attributes stay.
// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[W:.*]]: memref<8xf32> {coco.name = "w"}, %[[G:.*]]: memref<8xf32> {coco.name = "g"}, %[[M:.*]]: memref<8xf32> {coco.name = "m"}, %[[S:.*]]: f32)
// CHECK-NOT: bufferization.writable
// CHECK: linalg.generic {{.*}} ins(%[[G]] : memref<8xf32>) outs(%[[W]] : memref<8xf32>)
// CHECK: %[[COPY:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8xf32>
// CHECK-NEXT: memref.copy %[[G]], %[[COPY]]
// CHECK-NEXT: memref.store %[[S]], %[[COPY]]
// CHECK-NEXT: memref.store %[[S]], %[[M]]
// CHECK-NOT: memref.copy
// CHECK: return
func.func @step(%w: tensor<8xf32> {bufferization.writable = true, coco.name = "w"},
                %g: tensor<8xf32> {bufferization.writable = false, coco.name = "g"},
                %m: tensor<8xf32> {coco.name = "m"},
                %s: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%g : tensor<8xf32>) outs(%w : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %x = arith.subf %b, %a : f32
    linalg.yield %x : f32
  } -> tensor<8xf32>
  %g2 = tensor.insert %s into %g[%c0] : tensor<8xf32>
  %m2 = tensor.insert %s into %m[%c0] : tensor<8xf32>
  %e = tensor.extract %g2[%c0] : tensor<8xf32>
  %f = tensor.extract %m2[%c0] : tensor<8xf32>
  %sum = arith.addf %e, %f : f32
  return %sum : f32
}

// -----

// Calls: the callee is analyzed first; its read-only argument makes the
// write in it go to a copy, and the caller's buffer is passed as it is.
// CHECK-LABEL: func.func private @callee(
// CHECK-SAME: %[[A:[^:]*]]: memref<4xf32>, %{{.*}}: f32)
// CHECK-NOT: bufferization.writable
// CHECK: memref.alloc
// CHECK: memref.copy %[[A]]
// CHECK-LABEL: func.func @caller(
// CHECK-SAME: %[[B:[^:]*]]: memref<4xf32>, %[[T:[^:]*]]: f32)
// CHECK: call @callee(%[[B]], %[[T]])
func.func private @callee(%a: tensor<4xf32> {bufferization.writable = false}, %s: f32) -> f32 {
  %c1 = arith.constant 1 : index
  %a2 = tensor.insert %s into %a[%c1] : tensor<4xf32>
  %e = tensor.extract %a2[%c1] : tensor<4xf32>
  return %e : f32
}
func.func @caller(%b: tensor<4xf32> {bufferization.writable = false}, %s: f32) -> f32 {
  %r = call @callee(%b, %s) : (tensor<4xf32>, f32) -> f32
  return %r : f32
}


// -----

// A loop that carries a tensor and yields a new one, computed in a branch
// (a pipeline stage's receiver in a relay): the loop yields a new buffer.
// CHECK-LABEL: func.func @loop_yields_new(
// CHECK-SAME: %[[R:[^:]*]]: memref<4xf32>
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[R]]) -> (memref<4xf32>)
// CHECK: scf.if
// CHECK: %[[NEW:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : memref<4xf32>) outs(%[[NEW]] : memref<4xf32>)
// CHECK: scf.yield %[[NEW]]
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[ACC]]
// The deallocation pipeline of coco-lower-to-cpu frees each iteration's
// buffer in the next iteration (when the loop owns it and did not yield it
// again), and after the loop the returned buffer is the loop's own or a copy
// (so the caller owns it), the loop's freed when it is not returned.
// DEALLOC-LABEL: func.func @loop_yields_new(
// DEALLOC: %[[FALSE:.*]] = arith.constant false
// DEALLOC: %[[LOOP:.*]]:2 = scf.for {{.*}} iter_args(%[[ACC:.*]] = %arg0, %[[OWNED:.*]] = %[[FALSE]]) -> (memref<4xf32>, i1) {
// DEALLOC: %[[NEXT:.*]] = scf.if %arg2 -> (memref<4xf32>) {
// DEALLOC-NEXT: %[[NEW:.*]] = memref.alloc()
// DEALLOC: scf.yield %[[NEW]]
// DEALLOC: %[[OLD:.*]], %{{.*}}, %{{.*}}, %{{.*}} = memref.extract_strided_metadata %[[ACC]]
// DEALLOC-NEXT: %[[OLDP:.*]] = memref.extract_aligned_pointer_as_index %[[OLD]]
// DEALLOC-NEXT: %[[NEXTP:.*]] = memref.extract_aligned_pointer_as_index %[[NEXT]]
// DEALLOC-NEXT: %[[OTHER:.*]] = arith.cmpi ne, %[[OLDP]], %[[NEXTP]]
// DEALLOC-NEXT: %[[FREE:.*]] = arith.andi %[[OTHER]], %[[OWNED]]
// DEALLOC-NEXT: scf.if %[[FREE]] {
// DEALLOC-NEXT: memref.dealloc %[[OLD]]
// DEALLOC: %[[SAME:.*]] = arith.cmpi eq, %[[OLDP]], %[[NEXTP]]
// DEALLOC-NEXT: %[[KEPT:.*]] = arith.andi %[[SAME]], %[[OWNED]]
// DEALLOC-NEXT: %[[NOWOWNED:.*]] = arith.ori %[[KEPT]], %arg2
// DEALLOC-NEXT: scf.yield %[[NEXT]], %[[NOWOWNED]]
// DEALLOC: %[[RET:.*]] = scf.if %[[LOOP]]#1 -> (memref<4xf32>) {
// DEALLOC-NEXT: scf.yield %[[LOOP]]#0
// DEALLOC-NEXT: } else {
// DEALLOC-NEXT: %[[COPY:.*]] = memref.alloc()
// DEALLOC-NEXT: memref.copy %[[LOOP]]#0, %[[COPY]]
// DEALLOC: %[[LAST:.*]], %{{.*}}, %{{.*}}, %{{.*}} = memref.extract_strided_metadata %[[LOOP]]#0
// DEALLOC: arith.andi %{{.*}}, %[[LOOP]]#1
// DEALLOC-NEXT: scf.if
// DEALLOC-NEXT: memref.dealloc %[[LAST]]
// DEALLOC: return %[[RET]]
func.func @loop_yields_new(%r: tensor<4xf32>, %n: index, %b: i1) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %out = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %r) -> tensor<4xf32> {
    %next = scf.if %b -> tensor<4xf32> {
      %e = tensor.empty() : tensor<4xf32>
      %d = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%acc : tensor<4xf32>) outs(%e : tensor<4xf32>) {
      ^bb0(%a: f32, %o: f32):
        %x = arith.addf %a, %a : f32
        linalg.yield %x : f32
      } -> tensor<4xf32>
      scf.yield %d : tensor<4xf32>
    } else {
      scf.yield %acc : tensor<4xf32>
    }
    scf.yield %next : tensor<4xf32>
  }
  return %out : tensor<4xf32>
}

// -----

// An all_to_all that writes all of its init (resharding: split 1, concat
// 0) needs no copy of a read-only init; one that keeps part of it (a
// window, the slots of uneven blocks, an init of unknown shape) bufferizes
// into a copy.
coco.grid @three(shape = [3])
// CHECK-LABEL: func.func @all_to_all_inits(
// CHECK-SAME: %[[X:.*]]: memref<6x3xf32>, %[[INIT:.*]]: memref<18x1xf32>, %[[SLOTS:.*]]: memref<3xf32>, %[[NINE:.*]]: memref<9xf32>, %[[ANY:.*]]: memref<?xf32>, %[[Y:.*]]: memref<7xf32>, %[[S:.*]]: index)
// CHECK-NEXT: %[[WHOLE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<18x1xf32>
// CHECK-NEXT: coco.comm.all_to_all %[[X]] into %[[WHOLE]] split 1 concat 0
// CHECK-NEXT: %[[KEPT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3xf32>
// CHECK-NEXT: memref.copy %[[SLOTS]], %[[KEPT]]
// CHECK-NEXT: coco.comm.all_to_all %[[Y]] into %[[KEPT]] split 0 concat 0 window %[[S]]
// CHECK-NEXT: %[[SLOTTED:.*]] = memref.alloc() {alignment = 64 : i64} : memref<9xf32>
// CHECK-NEXT: memref.copy %[[NINE]], %[[SLOTTED]]
// CHECK-NEXT: coco.comm.all_to_all %[[Y]] into %[[SLOTTED]] split 0 concat 0 on
// CHECK: memref.copy %[[ANY]], %{{.*}}
// CHECK-NEXT: coco.comm.all_to_all %[[Y]] into %{{.*}} split 0 concat 0 on
func.func @all_to_all_inits(%x: tensor<6x3xf32>, %init: tensor<18x1xf32> {bufferization.writable = false},
                            %slots: tensor<3xf32> {bufferization.writable = false},
                            %nine: tensor<9xf32> {bufferization.writable = false},
                            %any: tensor<?xf32> {bufferization.writable = false},
                            %y: tensor<7xf32>, %s: index)
    -> (tensor<18x1xf32>, tensor<3xf32>, tensor<9xf32>, tensor<?xf32>) {
  %a = coco.comm.all_to_all %x into %init split 1 concat 0 on @three[0] : tensor<6x3xf32>, tensor<18x1xf32> -> tensor<18x1xf32>
  %b = coco.comm.all_to_all %y into %slots split 0 concat 0 window %s on @three[0] : tensor<7xf32>, tensor<3xf32> -> tensor<3xf32>
  %c = coco.comm.all_to_all %y into %nine split 0 concat 0 on @three[0] : tensor<7xf32>, tensor<9xf32> -> tensor<9xf32>
  %d = coco.comm.all_to_all %y into %any split 0 concat 0 on @three[0] : tensor<7xf32>, tensor<?xf32> -> tensor<?xf32>
  return %a, %b, %c, %d : tensor<18x1xf32>, tensor<3xf32>, tensor<9xf32>, tensor<?xf32>
}
