"""What endpoints share: the process's one ``AppServices``."""

from typing import Annotated

from fastapi import Depends, Request

from chronotrace_desktop.services.app import AppServices


def _services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


Services = Annotated[AppServices, Depends(_services)]
