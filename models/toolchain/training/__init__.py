"""Pre-training of the xlstm (TiRex) and ssm (FlowState) families on synthetic series."""
