"""Claim texts the analysis tests share: one claim, its repeat, its conflict, and others."""

ORIGINAL = "Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference performance."
REPEAT = "Huawei's Ascend 910C chip reaches roughly 60 percent of the H100's inference performance."
CONFLICT = "Huawei's Ascend 910C delivers about 90% of Nvidia H100 inference performance."
OTHER_CHIP = "Huawei's Ascend 910D is meant to rival Nvidia H100 inference performance."
UNRELATED = "Tencent's Hunyuan 3D model was downloaded more than 1.6 million times."
