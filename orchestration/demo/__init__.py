"""Demo portal databases for the NPS pipeline: a web shop and a SaaS customer portal."""

from orchestration.demo.generator import DemoOptions, generate_demo_portals

__all__ = ["DemoOptions", "generate_demo_portals"]
