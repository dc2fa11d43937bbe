"""The offline preview: the real program under Pulumi's mocks, no CLI or credentials needed."""
