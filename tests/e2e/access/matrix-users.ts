/** The signed-in users of the authorization matrix (prepare-matrix.ts creates them). */
export const MATRIX_USERS = {
	coordinator: {
		email: 'coord@matrix.test',
		name: 'Matrix coordinator',
		password: 'matrix-coordinator-pw',
		role: 'coordinator'
	},
	statistician: {
		email: 'stat@matrix.test',
		name: 'Matrix statistician',
		password: 'matrix-statistician-pw',
		role: 'statistician'
	}
} as const;
