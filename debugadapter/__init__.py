"""The Esker debug adapter: the Debug Adapter Protocol over the VM's debug controller.

`esker-dap` (see `__main__`) serves DAP clients such as VS Code and nvim-dap;
each session (`session`) turns requests into calls of `esker.vm.debugger` and
the controller's reports into events, and does nothing else.
"""
