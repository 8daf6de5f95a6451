// cpp-api.mlir's @sum_big rebuilt with other code (twice the sum): the
// library a rebuild writes at the path of the one a process loaded.

coco.grid @dp(shape = [?])

!Big = !coco.dtensor<16384xf32, replicated on @dp>

func.func @sum_big(%g: !coco.dtensor<16384xf32, local on @dp> {coco.name = "g"})
    -> (!Big {coco.name = "sum"}) {
  %sum = coco.all_reduce sum %g : !coco.dtensor<16384xf32, local on @dp>
  %twice = coco.add %sum, %sum : !Big, !Big
  return %twice : !Big
}
