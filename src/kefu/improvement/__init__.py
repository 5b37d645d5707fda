"""The improvement loop (问题分类→责任部门整改→整改后回访): improvement items, verification, 痛点解决率."""
