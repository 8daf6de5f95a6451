// RUN: coco-opt %s --convert-coco-to-llvm --split-input-file -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --convert-coco-to-llvm --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SITES

// Each rank-local collective is one call into the runtime. Buffers are
// passed like unranked memrefs: (rank, pointer to the ranked descriptor,
// stored in a stack slot made at the function entry). The grid travels as
// its extents (-1 for '?') and axis; the call site names the op and its
// source location for runtime errors.

// CHECK-DAG: llvm.func @coco_rt_comm(i64, i64, i64, i64, i64, i64) -> i64
// CHECK-DAG: llvm.func @coco_rt_all_reduce(!llvm.ptr, i64, i32, i32, i64, !llvm.ptr, i64, !llvm.ptr)
// CHECK-DAG: llvm.mlir.global internal constant @__coco_sites("coco.all_reduce at {{.*}}convert-coco-to-llvm.mlir:[[@LINE+21]]:3\00coco.reduce_scatter at
// CHECK-NOT: coco.grid
coco.grid @dp(shape = [?])
coco.grid @g(shape = [2, 2])

// CHECK-LABEL: func @all_reduce
// CHECK-SAME: (%[[A:.*]]: memref<16xf32>, %[[B:.*]]: memref<16xf32>)
// CHECK: %[[OUT_SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// CHECK: %[[IN_SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// CHECK: %[[SITEPTR:.*]] = llvm.mlir.addressof @__coco_sites : !llvm.ptr
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK: %[[DYN:.*]] = llvm.mlir.constant(-1 : i64)
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64)
// CHECK: %[[COMM:.*]] = llvm.call @coco_rt_comm(%[[ONE]], %[[DYN]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]])
// CHECK: %[[F32:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[MAX:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK: llvm.store %{{.*}}, %[[IN_SLOT]]
// CHECK: llvm.store %{{.*}}, %[[OUT_SLOT]]
// CHECK: llvm.call @coco_rt_all_reduce(%[[SITEPTR]], %[[COMM]], %[[F32]], %[[MAX]], %{{.*}}, %[[IN_SLOT]], %{{.*}}, %[[OUT_SLOT]])
// CHECK-NOT: coco.comm
func.func @all_reduce(%a: memref<16xf32>, %b: memref<16xf32>) {
  coco.comm.all_reduce max %a into %b on @dp[0] : memref<16xf32>, memref<16xf32>
  return
}

// CHECK-LABEL: func @others
// Axis 1 of the 2x2 grid: (ndims 2, extents 2, 2, 1, 1, axis 1).
// CHECK: %[[N2:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[E0:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[E1:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[E2:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[E3:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[AX:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: llvm.call @coco_rt_comm(%[[N2]], %[[E0]], %[[E1]], %[[E2]], %[[E3]], %[[AX]])
// f16 is dtype 2, sum is reduction 0, dim 0:
// CHECK: llvm.call @coco_rt_reduce_scatter(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, i64, i32, i32, i64, i64, !llvm.ptr, i64, !llvm.ptr) -> ()
// CHECK: llvm.call @coco_rt_all_gather(
// CHECK: llvm.call @coco_rt_broadcast(
// CHECK: llvm.call @coco_rt_reduce(
// CHECK: llvm.call @coco_rt_all_to_all(
// CHECK: llvm.call @coco_rt_send(
// CHECK: llvm.call @coco_rt_recv(
// CHECK: %[[RANK:.*]] = llvm.call @coco_rt_axis_rank(%{{.*}}) : (i64) -> i64
// CHECK: builtin.unrealized_conversion_cast %[[RANK]] : i64 to index
func.func @others(%a: memref<4x8xf16>, %b: memref<2x8xf16>, %p: index) -> index {
  coco.comm.reduce_scatter sum %a into %b dim 0 on @g[1] : memref<4x8xf16>, memref<2x8xf16>
  coco.comm.all_gather %b into %a dim 0 on @g[1] : memref<2x8xf16>, memref<4x8xf16>
  coco.comm.broadcast %a into %a root 1 on @g[0] : memref<4x8xf16>, memref<4x8xf16>
  coco.comm.reduce prod %a into %a root 0 on @g[0] : memref<4x8xf16>, memref<4x8xf16>
  coco.comm.all_to_all %a into %a split 1 concat 0 on @g[0] : memref<4x8xf16>, memref<4x8xf16>
  coco.comm.send %a to %p on @dp[0] : memref<4x8xf16>
  coco.comm.recv from %p into %a on @dp[0] : memref<4x8xf16>
  %r = coco.axis_rank @g[1]
  return %r : index
}

// all_to_all's window start is the index operand (i64), and -1 without
// one: (site, comm, dtype, split, concat, skip_self, window start, in, out).
// CHECK-LABEL: func @windows
// CHECK-SAME: %[[ARG:[a-z0-9]+]]: index)
// CHECK-DAG: %[[S:.*]] = builtin.unrealized_conversion_cast %[[ARG]] : index to i64
// CHECK: llvm.call @coco_rt_all_to_all(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[S]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, i64, i32, i64, i64, i32, i64, i64, !llvm.ptr, i64, !llvm.ptr) -> ()
// CHECK: llvm.call @coco_rt_comm
// CHECK: %[[NONE:.*]] = llvm.mlir.constant(-1 : i64) : i64
// CHECK: llvm.call @coco_rt_all_to_all(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
func.func @windows(%a: memref<9xf32>, %b: memref<4xf32>, %c: memref<10xf32>, %s: index) {
  coco.comm.all_to_all %a into %b split 0 concat 0 skip_self window %s on @dp[0] : memref<9xf32>, memref<4xf32>
  coco.comm.all_to_all %a into %c split 0 concat 0 skip_self on @dp[0] : memref<9xf32>, memref<10xf32>
  return
}

// Non-blocking: start returns a request, wait takes it.
// CHECK-LABEL: func @nonblocking
// CHECK: %[[REQ:.*]] = llvm.call @coco_rt_iall_reduce(%{{.*}}) : (!llvm.ptr, i64, i32, i32, i64, !llvm.ptr, i64, !llvm.ptr) -> i64
// CHECK: llvm.call @coco_rt_wait(%{{.*}}, %[[REQ]]) : (!llvm.ptr, i64) -> ()
func.func @nonblocking(%a: memref<16xf32>, %b: memref<16xf32>) {
  %r = coco.comm.iall_reduce sum %a into %b on @dp[0] : memref<16xf32>, memref<16xf32>
  coco.comm.wait %r, %a, %b : memref<16xf32>, memref<16xf32>
  return
}

// CHECK-LABEL: func @nonblocking_reduce_scatter
// CHECK: %[[DTYPE:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[KIND:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[DIM:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[REQ:.*]] = llvm.call @coco_rt_ireduce_scatter(%{{.*}}, %{{.*}}, %[[DTYPE]], %[[KIND]], %[[DIM]], %{{.*}}) : (!llvm.ptr, i64, i32, i32, i64, i64, !llvm.ptr, i64, !llvm.ptr) -> i64
// CHECK: llvm.call @coco_rt_wait(%{{.*}}, %[[REQ]]) : (!llvm.ptr, i64) -> ()
func.func @nonblocking_reduce_scatter(%a: memref<4x16xf32>, %b: memref<4x8xf32>) {
  %r = coco.comm.ireduce_scatter sum %a into %b dim 1 on @dp[0] : memref<4x16xf32>, memref<4x8xf32>
  coco.comm.wait %r, %a, %b : memref<4x16xf32>, memref<4x8xf32>
  return
}

// -----

coco.grid @dp(shape = [?])

// A program that skipped bufferization gets a clear error.
func.func @not_bufferized(%a: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{must be localized (coco-localize) and bufferized before convert-coco-to-llvm}}
  %0 = coco.comm.all_reduce sum %a into %b on @dp[0] : tensor<16xf32>, tensor<16xf32> -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

coco.grid @dp(shape = [?])

// Rank-local IR may name element types no dtensor has (the verifier keeps
// those to the runtime's): the collective says so.
func.func @i16(%a: memref<16xi16>, %b: memref<16xi16>) {
  // expected-error @+2 {{element type 'i16' is not one the runtime carries (f32, f64, f16, bf16, i32, i64, i8, i1)}}
  // expected-error @+1 {{failed to legalize operation 'coco.comm.all_reduce'}}
  coco.comm.all_reduce sum %a into %b on @dp[0] : memref<16xi16>, memref<16xi16>
  return
}

// -----

coco.grid @g(shape = [2, ?])

// A group of axes: coco_rt_comm_group(ndims, extents, naxes, axes, unused
// -1), the outer axis first.
// CHECK-LABEL: func @group
// CHECK: %[[N:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[E0:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[E1:.*]] = llvm.mlir.constant(-1 : i64)
// CHECK-NEXT: %[[E2:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[E3:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[NAXES:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[A0:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[A1:.*]] = llvm.mlir.constant(0 : i64)
// CHECK-NEXT: %[[A2:.*]] = llvm.mlir.constant(-1 : i64)
// CHECK-NEXT: %[[A3:.*]] = llvm.mlir.constant(-1 : i64)
// CHECK-NEXT: %[[COMM:.*]] = llvm.call @coco_rt_comm_group(%[[N]], %[[E0]], %[[E1]], %[[E2]], %[[E3]], %[[NAXES]], %[[A0]], %[[A1]], %[[A2]], %[[A3]])
// CHECK: llvm.call @coco_rt_all_reduce(%{{.*}}, %[[COMM]],
func.func @group(%a: memref<16xf32>) {
  coco.comm.all_reduce sum %a into %a on @g[1, 0] : memref<16xf32>, memref<16xf32>
  return
}

// This rank's block, level by level: n / R elements each and one more for
// the first n % R ranks.
// CHECK-LABEL: func @local_block
// CHECK-SAME: (%[[N:.*]]: index)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// Axis 1 first (the outer level), then axis 0 on the block it left:
// CHECK: llvm.call @coco_rt_axis_size
// CHECK: %[[R1:.*]] = builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK: llvm.call @coco_rt_axis_rank
// CHECK: %[[I1:.*]] = builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK-DAG: %[[Q1:.*]] = arith.divui %[[N]], %[[R1]] : index
// CHECK-DAG: %[[X1:.*]] = arith.remui %[[N]], %[[R1]] : index
// CHECK-DAG: %[[M1:.*]] = arith.muli %[[I1]], %[[Q1]] : index
// CHECK-DAG: %[[MIN1:.*]] = arith.minui %[[I1]], %[[X1]] : index
// CHECK: %[[S1:.*]] = arith.addi %[[M1]], %[[MIN1]] : index
// CHECK: %[[OFF1:.*]] = arith.addi %[[ZERO]], %[[S1]] : index
// CHECK: %[[LT1:.*]] = arith.cmpi ult, %[[I1]], %[[X1]] : index
// CHECK: %[[EXT1:.*]] = arith.index_castui %[[LT1]] : i1 to index
// CHECK: %[[SIZE1:.*]] = arith.addi %[[Q1]], %[[EXT1]] : index
// CHECK: %[[R0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK: %[[I0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK-DAG: %[[Q0:.*]] = arith.divui %[[SIZE1]], %[[R0]] : index
// CHECK-DAG: %[[X0:.*]] = arith.remui %[[SIZE1]], %[[R0]] : index
// CHECK-DAG: %[[M0:.*]] = arith.muli %[[I0]], %[[Q0]] : index
// CHECK-DAG: %[[MIN0:.*]] = arith.minui %[[I0]], %[[X0]] : index
// CHECK: %[[S0:.*]] = arith.addi %[[M0]], %[[MIN0]] : index
// CHECK: %[[OFF:.*]] = arith.addi %[[OFF1]], %[[S0]] : index
// CHECK: %[[LT0:.*]] = arith.cmpi ult, %[[I0]], %[[X0]] : index
// CHECK: %[[EXT0:.*]] = arith.index_castui %[[LT0]] : i1 to index
// CHECK: %[[SIZE:.*]] = arith.addi %[[Q0]], %[[EXT0]] : index
// CHECK: return %[[OFF]], %[[SIZE]]
func.func @local_block(%n: index) -> (index, index) {
  %offset, %size = coco.local_block %n on @g[1, 0]
  return %offset, %size : index, index
}

// -----

coco.grid @dp(shape = [2])

// A module that already declares a runtime function with another type (a
// mismatched runtime header) is an error, not a call with the wrong ABI.
llvm.func @coco_rt_all_reduce(i32)

func.func @declared_with_another_type(%a: memref<16xf32>) {
  // expected-error @+1 {{lowers to a call of @coco_rt_all_reduce with type '!llvm.func<void (ptr, i64, i32, i32, i64, ptr, i64, ptr)>', but the module declares it as '!llvm.func<void (i32)>'}}
  coco.comm.all_reduce sum %a into %a on @dp[0] : memref<16xf32>, memref<16xf32>
  return
}

// -----

coco.grid @dp(shape = [2])

// The site strings of one lowering lie in one table global, one after
// another; a function points into it once per site, at its entry. Two ops
// at one source location share one string; a table an earlier lowering left
// (here @__coco_sites, two strings) is reused and not renamed, and the new
// strings go to a table of their own.
// SITES: llvm.mlir.global internal constant @__coco_sites_1("coco.all_gather at here:1:1\00coco.all_gather at there:2:2\00")
// SITES: llvm.mlir.global internal constant @__coco_sites("coco.all_gather at old:1:1\00coco.all_reduce at here:1:1\00")
// SITES-NOT: @__coco_sites{{.*}}(
// SITES-LABEL: func @shared_sites
// SITES-DAG: %[[OLD:.*]] = llvm.mlir.addressof @__coco_sites :
// SITES-DAG: %[[NEW:.*]] = llvm.mlir.addressof @__coco_sites_1 :
// SITES-DAG: %[[REDUCE:.*]] = llvm.getelementptr inbounds %[[OLD]][27] : (!llvm.ptr) -> !llvm.ptr, i8
// SITES-DAG: %[[THERE:.*]] = llvm.getelementptr inbounds %[[NEW]][28] : (!llvm.ptr) -> !llvm.ptr, i8
// SITES-NOT: llvm.getelementptr
// SITES: scf.for
// SITES-COUNT-2: llvm.call @coco_rt_all_reduce(%[[REDUCE]],
// SITES: llvm.call @coco_rt_all_gather(%[[NEW]],
// SITES: llvm.call @coco_rt_all_gather(%[[THERE]],
llvm.mlir.global internal constant @__coco_sites("coco.all_gather at old:1:1\00coco.all_reduce at here:1:1\00") {addr_space = 0 : i32}

func.func @shared_sites(%a: memref<16xf32>, %b: memref<32xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    coco.comm.all_reduce sum %a into %a on @dp[0] : memref<16xf32>, memref<16xf32> loc("here":1:1)
    coco.comm.all_reduce sum %a into %a on @dp[0] : memref<16xf32>, memref<16xf32> loc("here":1:1)
  }
  coco.comm.all_gather %a into %b dim 0 on @dp[0] : memref<16xf32>, memref<32xf32> loc("here":1:1)
  coco.comm.all_gather %a into %b dim 0 on @dp[0] : memref<16xf32>, memref<32xf32> loc("there":2:2)
  return
}

// -----

// In a function of several blocks, a collective in a later block points
// into the table from the entry block, which dominates it.
coco.grid @dp(shape = [2])
// SITES-LABEL: func @blocks
// SITES: %[[TABLE:.*]] = llvm.mlir.addressof @__coco_sites :
// SITES-NEXT: %[[SECOND:.*]] = llvm.getelementptr inbounds %[[TABLE]][27]
// SITES: cf.cond_br
// SITES: ^bb1:
// SITES: llvm.call @coco_rt_all_reduce(%[[TABLE]],
// SITES: ^bb2:
// SITES: llvm.call @coco_rt_all_reduce(%[[SECOND]],
func.func @blocks(%a: memref<16xf32>, %c: i1) {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  coco.comm.all_reduce sum %a into %a on @dp[0] : memref<16xf32>, memref<16xf32> loc("one":1:1)
  return
^bb2:
  coco.comm.all_reduce sum %a into %a on @dp[0] : memref<16xf32>, memref<16xf32> loc("two":2:2)
  return
}

// -----

// Matmuls BLAS computes (f16, bf16, f32, f64; contiguous columns, rows may
// be strided) become coco_rt_matmul(site, dtype, a, b, c) into OpenBLAS;
// others (i32, strided columns) stay linalg for the loops.
// CHECK-LABEL: func @matmuls
// CHECK: %[[F32:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.call @coco_rt_matmul(%{{.*}}, %[[F32]], %{{.*}}) : (!llvm.ptr, i32, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr) -> ()
// CHECK: %[[BF16:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK: llvm.call @coco_rt_matmul(%{{.*}}, %[[BF16]], %{{.*}})
// CHECK: %[[F64:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @coco_rt_matmul(%{{.*}}, %[[F64]], %{{.*}})
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xi32>, memref<4x4xi32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>)
// CHECK-NOT: coco_rt_matmul
func.func @matmuls(%x: memref<8x4xf32, strided<[16, 1], offset: ?>>, %y: memref<4x8xf32>, %z: memref<8x8xf32>,
                   %a: memref<8x4xbf16>, %b: memref<4x8xbf16>, %c: memref<8x8xbf16>,
                   %d: memref<2x2xf64>, %i: memref<4x4xi32>) {
  linalg.matmul ins(%x, %y : memref<8x4xf32, strided<[16, 1], offset: ?>>, memref<4x8xf32>) outs(%z : memref<8x8xf32>)
  linalg.matmul ins(%a, %b : memref<8x4xbf16>, memref<4x8xbf16>) outs(%c : memref<8x8xbf16>)
  linalg.matmul ins(%d, %d : memref<2x2xf64>, memref<2x2xf64>) outs(%d : memref<2x2xf64>)
  linalg.matmul ins(%i, %i : memref<4x4xi32>, memref<4x4xi32>) outs(%i : memref<4x4xi32>)
  %t = memref.alloc() : memref<4x4xf32>
  %tt = memref.transpose %t (i, j) -> (j, i) : memref<4x4xf32> to memref<4x4xf32, strided<[1, 4]>>
  linalg.matmul ins(%tt, %t : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>) outs(%t : memref<4x4xf32>)
  return
}
