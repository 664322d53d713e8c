/**
 * The details page of an email trigger (SPEC T7): the counts as cards that
 * open their recipients, and the daily trends of several measures at once.
 *
 * Both are drawn from the field details_data (natero.trigger.details), which
 * lists the measures of natero_trigger_stat.MEASURES: a new measure appears
 * here without any change to this file.
 */
import {Component, onWillStart, onWillUnmount, useEffect, useRef} from "@odoo/owl";
import {loadBundle} from "@web/core/assets";
import {cookie} from "@web/core/browser/cookie";
import {getColor} from "@web/core/colors/colors";
import {_t} from "@web/core/l10n/translation";
import {formatFloat, formatInteger} from "@web/views/fields/formatters";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

export class NateroTriggerDetails extends Component {
    static template = "natero_mail_trigger.TriggerDetails";
    static props = {...standardFieldProps};

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
        this.canvasRef = useRef("canvas");
        this.chart = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        useEffect(
            () => this.renderChart(),
            () => [this.props.record.data[this.props.name]]
        );
        onWillUnmount(() => this.chart?.destroy());
    }

    get data() {
        return this.props.record.data[this.props.name] || {measures: [], days: []};
    }

    formatTotal(measure) {
        return measure.rate
            ? `${formatFloat(measure.total, {digits: [16, 1]})} %`
            : formatInteger(measure.total);
    }

    async openMeasure(measure) {
        const action = await this.orm.call(
            this.props.record.resModel,
            "action_open_measure",
            [[this.props.record.resId], measure.name]
        );
        await this.action.doAction(action);
    }

    renderChart() {
        this.chart?.destroy();
        this.chart = null;
        const {measures, days} = this.data;
        if (!this.canvasRef.el || !days.length) {
            return;
        }
        const colorScheme = cookie.get("color_scheme");
        const datasets = measures.map((measure, index) => {
            const color = getColor(index, colorScheme, measures.length);
            return {
                label: measure.rate ? `${measure.label} (%)` : measure.label,
                data: measure.series,
                hidden: !measure.chart,
                borderColor: color,
                backgroundColor: color,
                tension: 0.2,
                yAxisID: measure.rate ? "rate" : "count",
            };
        });
        const hasRates = measures.some((measure) => measure.rate);
        this.chart = new window.Chart(this.canvasRef.el, {
            type: "line",
            data: {labels: days, datasets},
            options: {
                maintainAspectRatio: false,
                interaction: {mode: "index", intersect: false},
                plugins: {legend: {position: "top"}},
                scales: {
                    count: {
                        type: "linear",
                        position: "left",
                        beginAtZero: true,
                        ticks: {precision: 0},
                        title: {display: true, text: _t("Recipients")},
                    },
                    ...(hasRates && {
                        rate: {
                            type: "linear",
                            position: "right",
                            beginAtZero: true,
                            suggestedMax: 100,
                            grid: {drawOnChartArea: false},
                            title: {display: true, text: "%"},
                        },
                    }),
                },
            },
        });
    }
}

registry.category("fields").add("natero_trigger_details", {
    component: NateroTriggerDetails,
    supportedTypes: ["json"],
});
