// RUN: coco-opt %s --coco-promote-bf16-arith | FileCheck %s

// A chain of bf16 sums (a reduce-scatter's three blocks added one by one):
// each add computes in f32 and is rounded to bf16, and the next add reads
// the rounded value. The adds keep their contract flag; the extf/truncf
// pairs carry none, so canonicalization cannot fold them away.
// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[A:.*]]: bf16, %[[B:.*]]: bf16, %[[C:.*]]: bf16)
// CHECK: %[[AW:.*]] = arith.extf %[[A]] : bf16 to f32{{$}}
// CHECK: %[[BW:.*]] = arith.extf %[[B]] : bf16 to f32{{$}}
// CHECK: %[[S1W:.*]] = arith.addf %[[AW]], %[[BW]] fastmath<contract> : f32
// CHECK: %[[S1:.*]] = arith.truncf %[[S1W]] : f32 to bf16{{$}}
// CHECK: %[[S1X:.*]] = arith.extf %[[S1]] : bf16 to f32{{$}}
// CHECK: %[[CW:.*]] = arith.extf %[[C]] : bf16 to f32{{$}}
// CHECK: %[[S2W:.*]] = arith.addf %[[S1X]], %[[CW]] fastmath<contract> : f32
// CHECK: %[[S2:.*]] = arith.truncf %[[S2W]] : f32 to bf16{{$}}
// CHECK: return %[[S2]] : bf16
func.func @chain(%a: bf16, %b: bf16, %c: bf16) -> bf16 {
  %s1 = arith.addf %a, %b fastmath<contract> : bf16
  %s2 = arith.addf %s1, %c fastmath<contract> : bf16
  return %s2 : bf16
}

// Flags, vectors, math ops and comparisons (whose result is no float).
// CHECK-LABEL: func @kinds
// CHECK: %[[XW:.*]] = arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
// CHECK: %[[M:.*]] = arith.mulf %[[XW]], %[[XW]] fastmath<fast> : vector<8xf32>
// CHECK: %[[MT:.*]] = arith.truncf %[[M]] : vector<8xf32> to vector<8xbf16>
// CHECK: %[[SW:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[R:.*]] = math.sqrt %[[SW]] : f32
// CHECK: %[[RT:.*]] = arith.truncf %[[R]] : f32 to bf16
// CHECK: %[[RX:.*]] = arith.extf %[[RT]] : bf16 to f32
// CHECK: %[[SX:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[LT:.*]] = arith.cmpf olt, %[[RX]], %[[SX]] : f32
// CHECK: return %[[MT]], %[[RT]], %[[LT]]
func.func @kinds(%x: vector<8xbf16>, %s: bf16) -> (vector<8xbf16>, bf16, i1) {
  %m = arith.mulf %x, %x fastmath<fast> : vector<8xbf16>
  %r = math.sqrt %s : bf16
  %lt = arith.cmpf olt, %r, %s : bf16
  return %m, %r, %lt : vector<8xbf16>, bf16, i1
}

// Left alone: conversions (they change type), f16 and f32 arithmetic, ops
// without fastmath flags (a select only moves bits), and the ops that only
// change the sign bit (LLVM lowers them to bit operations that keep a NaN's
// payload; a round trip through f32 would not).
// CHECK-LABEL: func @untouched
// CHECK-NEXT: arith.extf %{{.*}} : bf16 to f32
// CHECK-NEXT: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NEXT: arith.addf %{{.*}}, %{{.*}} : f16
// CHECK-NEXT: arith.select %{{.*}}, %{{.*}}, %{{.*}} : bf16
// CHECK-NEXT: arith.negf %{{.*}} : bf16
// CHECK-NEXT: math.absf %{{.*}} : bf16
// CHECK-NEXT: math.copysign %{{.*}}, %{{.*}} : bf16
// CHECK-NEXT: return
func.func @untouched(%a: bf16, %f: f32, %h: f16, %p: i1)
    -> (bf16, f16, bf16, bf16, bf16, bf16) {
  %w = arith.extf %a : bf16 to f32
  %s = arith.addf %w, %f : f32
  %n = arith.truncf %s : f32 to bf16
  %hh = arith.addf %h, %h : f16
  %sel = arith.select %p, %a, %n : bf16
  %neg = arith.negf %a : bf16
  %abs = math.absf %n : bf16
  %cs = math.copysign %a, %n : bf16
  return %n, %hh, %sel, %neg, %abs, %cs : bf16, f16, bf16, bf16, bf16, bf16
}

