"""A small unCLIP trained on a synthetic world of coloured shapes."""
