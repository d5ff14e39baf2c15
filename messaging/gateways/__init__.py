"""The gateways: each speaks to one kind of network and reports to the sink it is given
(`base.ReportSink`). Which one a process uses, built with the engine's sink, is `messaging.services.engine`."""

BUILTIN = {
    "simulator": "messaging.gateways.simulator.SimulatorGateway",
    "console": "messaging.gateways.console.ConsoleGateway",
    "smpp": "messaging.gateways.smpp.SmppGateway",
}
