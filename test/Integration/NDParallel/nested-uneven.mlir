// A dimension sliced over two grid axes, nested and uneven: x is 10 rows
// split over axis 1 (the outer level), each half split again over axis 0
// ([sliced<0> within 1, sliced<0>]), on a [2, ?] grid run on 2, 4 and 6
// ranks. Pointwise work and a column reduction run on the blocks, an
// all_gather along both axes reassembles them, and a reduce_scatter along
// [1, 0] cuts the summed gradient into the same nested blocks. The host,
// the compiler (coco.local_block) and the runtime (counts per rank) must
// all agree on every rank's rows; numpy's nested array_split is the
// reference.
//
// RUN: %coco_python %S/../lib/check_nd.py nested %s %t | FileCheck %s
// CHECK: nested uneven blocks on 2 ranks (grid 2 x 1, rows [5, 5]): match numpy
// CHECK: nested uneven blocks on 4 ranks (grid 2 x 2, rows [3, 3, 2, 2]): match numpy
// CHECK: nested uneven blocks on 6 ranks (grid 2 x 3, rows [2, 2, 2, 2, 1, 1]): match numpy

coco.grid @g(shape = [2, ?])

!N = !coco.dtensor<10x3xf32, [sliced<0> within 1, sliced<0>] on @g>
!L = !coco.dtensor<10x3xf32, [local, local] on @g>
!R = !coco.dtensor<10x3xf32, replicated on @g>

func.func @nested(%x: !N {coco.name = "x"}, %g: !L {coco.name = "g"})
    -> (!R {coco.name = "gathered"}, !N {coco.name = "scattered"},
        !coco.dtensor<3xf32, replicated on @g> {coco.name = "colsum"}) {
  %y = coco.mul %x, %x : !N, !N
  %z = coco.add %y, %x : !N, !N
  %all = coco.all_gather %z along [1, 0] : !N
  %rs = coco.reduce_scatter sum %g dim 0 along [1, 0] : !L
  %s = coco.add %rs, %x : !N, !N
  %c = coco.reduce sum %s dims [0] : !N
  %cs = coco.all_reduce sum %c : !coco.dtensor<3xf32, [local, local] on @g>
  return %all, %s, %cs : !R, !N, !coco.dtensor<3xf32, replicated on @g>
}
