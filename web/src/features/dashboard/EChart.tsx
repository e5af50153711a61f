import { useEffect, useRef } from 'react';
// The tree-shaken core plus only what the dashboard draws (STACK.md trap 9: not echarts-for-react).
import { init, use as registerChartParts, type ComposeOption, type EChartsType } from 'echarts/core';
import { BarChart, type BarSeriesOption } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type AriaComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

registerChartParts([BarChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption | AriaComponentOption
>;

/**
 * The chart container carries its ECharts instance as this property, so a browser test can ask
 * the chart where a bar is (`convertToPixel`). Nothing is put on `window`.
 */
export const CHART_INSTANCE_PROPERTY = 'platinaChart';

export interface EChartProps {
  option: ChartOption;
  /** The text alternative of the picture (ECharts aria sets it with role="img"). */
  description: string;
  /** Called with the series and the data index of the bar clicked. */
  onItemClick?: (seriesIndex: number, dataIndex: number) => void;
  height: number;
  /** `data-chart`, to find the chart in tests and styles. */
  name: string;
}

/**
 * One ECharts chart drawn as SVG. The picture is one image for assistive technology; every figure
 * it shows is also in a table next to it, where the numbers are links.
 */
export function EChart({ option, description, onItemClick, height, name }: EChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<EChartsType | null>(null);
  const clickRef = useRef(onItemClick);

  useEffect(() => {
    clickRef.current = onItemClick;
  }, [onItemClick]);

  useEffect(() => {
    const element = containerRef.current;
    if (!element) return undefined;
    const chart = init(element, null, { renderer: 'svg' });
    chartRef.current = chart;
    Object.defineProperty(element, CHART_INSTANCE_PROPERTY, { value: chart, configurable: true });
    chart.on('click', (params) => {
      if (typeof params.seriesIndex === 'number' && typeof params.dataIndex === 'number') {
        clickRef.current?.(params.seriesIndex, params.dataIndex);
      }
    });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => chart.resize());
    observer?.observe(element);
    return () => {
      observer?.disconnect();
      chart.dispose();
      chartRef.current = null;
      Reflect.deleteProperty(element, CHART_INSTANCE_PROPERTY);
    };
  }, []);

  useEffect(() => {
    chartRef.current?.setOption(
      {
        ...option,
        // Patterns as well as colours tell the series apart (WCAG 1.4.1).
        aria: { enabled: true, label: { enabled: true, description }, decal: { show: true } },
      },
      { notMerge: true },
    );
  }, [option, description]);

  useEffect(() => {
    chartRef.current?.resize();
  }, [height]);

  return <div ref={containerRef} className="db-chart" style={{ height }} data-chart={name} />;
}
