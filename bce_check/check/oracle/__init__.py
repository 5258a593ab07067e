"""placeholder"""
from ._errors import OracleUnavailable
from ._oracle import FAIL, PASS, UNRESOLVED, Enclosure, Judgement, Oracle
from ._jaxpr import JaxprProgram


def jaxpr_oracle(f, shapes, wrt, order=1):
    prog = JaxprProgram(f, shapes)
    return Oracle(prog, shapes, wrt, order, prog.out_shape)
